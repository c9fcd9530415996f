"""``audit_event`` (private state): append-only. Stores write their events inside their own transaction
(:meth:`record`): a change of the private state and its event are committed together or not at all; a change in
the CRM commits first and its event right after it (one transaction when the state shares the CRM's database).
The page reads pages of events by keyset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from cleverreach.audit.events import AuditEvent
from cleverreach.clock import utcnow
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore


class AuditStore(SqlStore):
    def record(self, conn: Connection, *events: AuditEvent) -> None:
        """Write events in the caller's transaction (``conn``, a connection to the private state: see
        ``SqlStore.crm_then_state`` for a change in the CRM), all with one time."""
        if events:
            now = utcnow()
            conn.execute(self.q("audit_insert"), [event.params(now) for event in events])

    def add(self, *events: AuditEvent) -> None:
        """Write events in a transaction of their own (an action whose change is not in this database)."""
        with self.state.begin() as conn:
            self.record(conn, *events)

    def older(self, tenant_id: str, list_id: str | None, before: int | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` events older than the event ``before`` (None: the newest), newest first."""
        with self.state.connect() as conn:
            return self._rows(conn, "audit_select_older", tenant_id=tenant_id, list_id=as_key(list_id), before=before, limit=limit)

    def newer(self, tenant_id: str, list_id: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` events newer than the event ``after``, oldest first."""
        with self.state.connect() as conn:
            return self._rows(conn, "audit_select_newer", tenant_id=tenant_id, list_id=as_key(list_id), after=after, limit=limit)
