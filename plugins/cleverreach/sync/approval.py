"""Whether an approval lets a run apply a plan the mass-removal guard blocked. Pure: no database, no pandas.

An approval is a right no editor holds (issue 18): only the page's approve endpoint, with the admin permission
``approve_mass_removal``, writes one, bound to the Airflow run it triggers. A run's conf cannot grant it, so it
does not matter where the run was triggered from. The rules, in order:

- the run has an approval bound to it (its own DAG and run id): nobody else's run can use it;
- it was not used yet: one approval, one applied plan (a retry of a run that used it blocks again);
- it is for this tenant and list, and the run acts as the approver (the run's triggering user);
- the plan is the approved one or a part of it: at most ``max_removals`` removals (the blocked plan's count),
  and every receiver it removes is one the approved plan removed (compared by e-mail key,
  ``cleverreach.email_keys``: the blocked run's ``sync_change`` rows hold the receiver's address as read).

Otherwise the plan stays blocked, with the reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ApprovalVerdict(StrEnum):
    """What an approval says about a blocked plan."""

    APPROVED = "approved"
    NOT_APPROVED = "not_approved"  # no approval is bound to this run
    USED = "used"  # the approval was used by a sync run already
    OTHER_LIST = "other_list"  # bound to this run, but for another tenant or list
    OTHER_USER = "other_user"  # the run does not act as the approver
    PLAN_CHANGED = "plan_changed"  # more removals than approved, or receivers the approved plan kept


@dataclass(frozen=True)
class SyncApproval:
    """One row of ``sync_approval``: an admin's approval of a blocked plan, bound to one Airflow run."""

    id: int
    tenant_id: str
    list_id: str
    blocked_sync_run_id: int
    max_removals: int
    approved_by: str  # the approver's actor name (``user:<login>``, ``cleverreach.audit.actor``)
    dag_id: str
    dag_run_id: str
    used_by_sync_run: int | None = None
    used: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SyncApproval:
        return cls(
            id=int(row["id"]), tenant_id=str(row["tenant_id"]), list_id=str(row["list_id"]),
            blocked_sync_run_id=int(row["blocked_sync_run_id"]), max_removals=int(row["max_removals"]),
            approved_by=str(row["approved_by"]), dag_id=str(row["dag_id"]), dag_run_id=str(row["dag_run_id"]),
            used_by_sync_run=None if row.get("used_by_sync_run") is None else int(row["used_by_sync_run"]),
            used=row.get("used_at") is not None,
        )


@dataclass(frozen=True)
class ApprovalDecision:
    verdict: ApprovalVerdict
    reason: str

    @property
    def allowed(self) -> bool:
        return self.verdict == ApprovalVerdict.APPROVED


def decide(approval: SyncApproval | None, approved_keys: Collection[str], removal_keys: Collection[str], *,
           tenant_id: str, list_id: str, actor: str) -> ApprovalDecision:
    """The verdict on a blocked plan whose removals have the e-mail keys ``removal_keys``, given the approval bound
    to this run (None: none) and the keys of the removals it approved; ``actor`` is who this run acts as."""
    if approval is None:
        return ApprovalDecision(ApprovalVerdict.NOT_APPROVED,
                                "No approval is bound to this run: a plan this large is applied only by the run that "
                                "an admin's approval of the blocked plan on the CleverReach page starts.")
    if approval.used:
        return ApprovalDecision(ApprovalVerdict.USED,
                                f"The approval {approval.id} bound to this run was used already (by sync_run "
                                f"{approval.used_by_sync_run}); an admin approves the new blocked plan.")
    if (approval.tenant_id, approval.list_id) != (str(tenant_id), str(list_id)):
        return ApprovalDecision(ApprovalVerdict.OTHER_LIST,
                                f"The approval {approval.id} bound to this run is for another list.")
    if approval.approved_by != actor:
        return ApprovalDecision(ApprovalVerdict.OTHER_USER,
                                f"The approval {approval.id} was given by {approval.approved_by}; this run acts as "
                                f"{actor}.")
    removals = list(removal_keys)
    approved = set(approved_keys)
    outside = len({key for key in removals if key not in approved})
    changes = []
    if len(removals) > approval.max_removals:
        changes.append(f"{len(removals)} removals, approved {approval.max_removals}")
    if outside:
        changes.append(f"{outside} receivers not in the approved plan")
    if changes:
        return ApprovalDecision(ApprovalVerdict.PLAN_CHANGED,
                                f"The plan changed since the approval {approval.id} (of sync_run "
                                f"{approval.blocked_sync_run_id}): {' / '.join(changes)}; an admin approves the new "
                                "blocked plan if it is intended.")
    return ApprovalDecision(ApprovalVerdict.APPROVED,
                            f"approved by {approval.approved_by} (approval {approval.id} of sync_run "
                            f"{approval.blocked_sync_run_id}): {len(removals)} removals of at most "
                            f"{approval.max_removals}, all in the approved plan")
