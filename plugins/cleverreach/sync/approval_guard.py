"""The mass-removal guard of one list's sync, with the approval bound to the run (``cleverreach.sync.approval``).

A plan within the guard passes. A plan the guard blocks passes only when the approval bound to this very run
(its DAG and run id) allows it; the approval is then used (once) in the transaction that starts applying, after
the lease's fence. Otherwise the plan stays blocked with the guard's message and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
from sqlalchemy import Connection

from cleverreach.audit.actor import Actor
from cleverreach.exceptions import MassRemovalError
from cleverreach.sync.approval import SyncApproval, decide
from cleverreach.sync.approval_store import SyncApprovalStore
from cleverreach.sync.keys import email_keys
from cleverreach.sync.plan import SyncPlan, check_mass_removal

log = logging.getLogger(__name__)


def removal_keys(plan: SyncPlan) -> list[str]:
    """The e-mail keys of the receivers the plan removes."""
    removes = plan.removes
    column = removes["email_key"] if "email_key" in removes else email_keys(removes.get("email", pd.Series(dtype=str)))
    return column.astype(str).tolist()


def guard_removals(plan: SyncPlan, approvals: SyncApprovalStore, *, minimum: int, share: float, label: str,
                   tenant_id: str, list_id: str, dag_id: str, run_id: str, actor: Actor, use_for: int | None,
                   fence: Callable[[Connection], None] | None = None,
                   log: logging.Logger = log) -> SyncApproval | None:
    """None when the plan is within the guard; else the approval that lets the blocked plan through, used by the
    sync run ``use_for`` (None: a dry run, which uses nothing); else :class:`MassRemovalError` with the guard's
    message and why no approval allows the plan."""
    try:
        check_mass_removal(plan, minimum=minimum, share=share, list_label=label)
        return None
    except MassRemovalError as blocked:
        approval = approvals.bound_to(dag_id, run_id)
        approved = approvals.approved_keys(approval.blocked_sync_run_id) if approval is not None else frozenset()
        decision = decide(approval, approved, removal_keys(plan), tenant_id=tenant_id, list_id=list_id,
                          actor=actor.name)
        if not decision.allowed or approval is None:
            raise MassRemovalError(f"{blocked} {decision.reason}") from None
    if use_for is not None:
        approvals.use(approval, use_for, actor, len(plan.removes), fence=fence)
    log.warning("%s: a plan the guard blocks is applied: %s", label, decision.reason)
    return approval
