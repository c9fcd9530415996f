"""Why a sync run looks wrong: a high rejected share, or far more removals than the list's recent runs.

A flagged run is marked in ``sync_run.alert`` and logged as a warning; it is not stopped (the
mass-removal guard in ``sync.plan`` is what stops a plan).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def run_flags(
    *,
    members: int,
    rejected: int,
    removals: int,
    recent_removals: Sequence[int],
    rejected_share: float = 0.1,
    removal_factor: float = 3.0,
    removal_minimum: int = 10,
) -> list[str]:
    """
    Why a sync run looks wrong, if it does (pure).

    Rejected: more than ``rejected_share`` of the members. Removals: at least ``removal_minimum`` and
    more than ``removal_factor`` times the median of the list's recent runs (needs three of them).
    """
    flags = []
    if members and rejected / members > rejected_share:
        flags.append(f"{rejected} of {members} members rejected ({rejected / members:.0%}, threshold {rejected_share:.0%})")
    if len(recent_removals) >= 3 and removals >= removal_minimum:
        baseline = statistics.median(recent_removals)
        if removals > removal_factor * max(baseline, 1):
            flags.append(
                f"{removals} removals, against a median of {baseline:g} in the last {len(recent_removals)} runs"
            )
    return flags
