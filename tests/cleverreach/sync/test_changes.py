"""The stored plan's rows, built column-wise in chunks (pure; the ledger writes them, ``test_ledger``)."""

from __future__ import annotations

import pandas as pd

from cleverreach.sync import changes
from cleverreach.sync.changes import CHANGE_COLUMNS, change_rows
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.plan import SyncPlan, empty_frame


def adds(n: int) -> pd.DataFrame:
    return pd.DataFrame({"contact_person_id": list(range(1, n + 1)), "email": [f"m{i}@example.org" for i in range(n)],
                         "reason": "new member", **{name: "x" for name in ATTRIBUTES}})


def plan_of(added: pd.DataFrame) -> SyncPlan:
    left = empty_frame(["contact_person_id", "email", "reason"])
    return SyncPlan(adds=added, updates=empty_frame(["contact_person_id", "email_old", "reason"]),
                    removes=empty_frame(["email", "reason", "contact_person_id", "ext_id", "receiver_id", "erase"]),
                    unsubscribed=left, bounced=left)


def test_every_row_names_the_run_and_the_list_key_as_text():
    rows = [dict(zip(CHANGE_COLUMNS, row)) for chunk in change_rows(7, "0042", plan_of(adds(2)),
                                                                  pd.DataFrame(), removal_mode="deactivate")
            for row in chunk]
    assert [(r["run_id"], r["list_id"], r["contact_person_id"], r["action"], r["result"]) for r in rows] == [
        (7, "0042", "1", "add", "planned"), (7, "0042", "2", "add", "planned")]


def test_a_large_section_comes_in_chunks(monkeypatch):
    monkeypatch.setattr(changes, "PLAN_CHUNK", 2)
    sizes = [len(chunk) for chunk in change_rows(1, "1", plan_of(adds(5)), pd.DataFrame(), removal_mode="delete")]
    assert sizes == [2, 2, 1]


def test_an_applied_runs_plan_leaves_its_writes_to_their_batches_and_the_unsettled_rest_is_planned():
    from cleverreach.enums import ChangeAction
    from cleverreach.sync.changes import unsettled_write_rows, write_rows

    plan = plan_of(adds(5))
    assert list(change_rows(1, "1", plan, pd.DataFrame(), removal_mode="delete", writes=False)) == []
    settled = write_rows(1, "1", ChangeAction.ADD, plan.adds.iloc[:2], ["ok", "planned"], [None, None])
    assert [(row[2], row[8]) for row in settled] == [("1", "ok"), ("2", "planned")]
    rest = [row for chunk in unsettled_write_rows(1, "1", plan, {ChangeAction.ADD: 2}) for row in chunk]
    assert [(row[2], row[4], row[8]) for row in rest] == [("3", "add", "planned"), ("4", "add", "planned"),
                                                          ("5", "add", "planned")]
    whole = [row for chunk in change_rows(1, "1", plan, pd.DataFrame(), removal_mode="delete") for row in chunk]
    assert whole[2:] == rest  # the same rows the whole plan has for them
