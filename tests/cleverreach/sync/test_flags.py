"""The run flags: rejected share and removals against the list's recent runs."""

from __future__ import annotations

from cleverreach.sync.flags import run_flags


def test_run_flags():
    assert run_flags(members=100, rejected=5, removals=3, recent_removals=[2, 3, 1]) == []
    assert run_flags(members=100, rejected=11, removals=0, recent_removals=[])[0].startswith("11 of 100 members rejected")
    flagged = run_flags(members=100, rejected=0, removals=40, recent_removals=[2, 5, 3, 4])
    assert flagged == ["40 removals, against a median of 3.5 in the last 4 runs"]
    assert run_flags(members=100, rejected=0, removals=40, recent_removals=[2, 5]) == []  # too little history
    assert run_flags(members=100, rejected=0, removals=9, recent_removals=[0, 0, 0]) == []  # below the minimum
