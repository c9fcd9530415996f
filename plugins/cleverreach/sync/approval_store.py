"""``sync_approval`` (private state): the page writes an admin's approval bound to the run it triggers; the sync
reads the approval bound to its own run and uses it once, audited in the same transaction (``sync_approved`` by
the page, ``sync_approval_used`` by the run). The rules are ``cleverreach.sync.approval``'s."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.email_keys import email_key
from cleverreach.enums import AuditAction
from cleverreach.exceptions import MassRemovalError
from cleverreach.sync.approval import SyncApproval


class SyncApprovalStore(SqlStore):
    """Approvals of blocked plans: written by the page, read and used by the sync."""

    def create(self, *, tenant_id: str, list_id: str, blocked_sync_run_id: int, max_removals: int, approver: Actor,
               dag_id: str, dag_run_id: str) -> int:
        """An approval of the blocked run's plan for the run ``dag_id``/``dag_run_id``, not yet triggered (so that
        the run finds it however fast it starts); returns its id."""
        with self.state.begin() as conn:
            return int(conn.execute(self.q("sync_approval_insert"), {
                "tenant_id": tenant_id, "list_id": as_key(list_id), "blocked_sync_run_id": int(blocked_sync_run_id),
                "max_removals": int(max_removals), "approved_by": approver.name, "now": utcnow(), "dag_id": dag_id,
                "dag_run_id": dag_run_id}).scalar_one())

    def withdraw(self, approval_id: int) -> None:
        """Drop an unused approval (its run could not be triggered)."""
        with self.state.begin() as conn:
            conn.execute(self.q("sync_approval_delete"), {"id": int(approval_id)})

    def bound_to(self, dag_id: str, dag_run_id: str) -> SyncApproval | None:
        """The approval bound to this Airflow run, if any."""
        with self.state.connect() as conn:
            row = conn.execute(self.q("sync_approval_select_bound"),
                               {"dag_id": dag_id, "dag_run_id": dag_run_id}).mappings().first()
        return None if row is None else SyncApproval.from_row(row)

    def approved_keys(self, blocked_sync_run_id: int) -> frozenset[str]:
        """The e-mail keys of the receivers the approved plan removes (its stored removal rows)."""
        with self.state.connect() as conn:
            emails = conn.execute(self.q("sync_approval_select_removals"), {"run_id": int(blocked_sync_run_id)}).scalars()
            return frozenset(key for key in (email_key(e) for e in emails if e) if key)

    def use(self, approval: SyncApproval, sync_run_id: int, actor: Actor, removals: int,
            fence: Callable[[Connection], None] | None = None) -> None:
        """Mark the approval used by ``sync_run_id``, in the transaction that starts applying: ``fence`` (the
        lease's heartbeat) first, then the one use; :class:`MassRemovalError` when another run used it meanwhile."""
        with self.state.begin() as conn:
            if fence is not None:
                fence(conn)
            if conn.execute(self.q("sync_approval_use"), {"id": approval.id, "sync_run_id": int(sync_run_id),
                                                           "now": utcnow()}).rowcount != 1:
                raise MassRemovalError(f"the approval {approval.id} was used by another sync run meanwhile; "
                                       "nothing was written")
            AuditStore(self.engine).record(conn, AuditEvent(
                AuditAction.SYNC_APPROVAL_USED, approval.tenant_id, actor, approval.list_id,
                {"approval_id": approval.id, "sync_run_id": int(sync_run_id),
                 "approved_sync_run_id": approval.blocked_sync_run_id, "max_removals": approval.max_removals,
                 "removals": int(removals)}))
