"""The erasure's reads and deletes in the CRM database (list members, contact history) and in the
integration's private state (stored plans, and every private table that names a person)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Text

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.crm.keys import as_key
from cleverreach.crm.sql import is_private
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction
from cleverreach.erasure.request import email_key
from cleverreach.lists.store import ListStore

# (query, what the report calls it): run in this order, in one transaction per database
PURGES: tuple[tuple[str, str], ...] = (
    ("erasure_delete_members", "list_members"),
    ("erasure_delete_history", "contact_history"),
    ("erasure_scrub_changes", "sync_changes"),
    ("erasure_delete_owned", "owned_receivers"),
    ("erasure_delete_refusals", "refusals"),
)


class ErasureStore(SqlStore):
    def tenant_contacts(self, tenant_id: str) -> dict[str, str | None]:
        """The tenant's contact keys (text) with their current address."""
        with self.engine.connect() as conn:
            return {as_key(r["id"]): r["email"] for r in self._rows(conn, "erasure_select_tenant_contacts", tenant_id=tenant_id)}

    def list_ids(self, tenant_id: str) -> list[str]:
        """The tenant's list keys as the private state stores them (text)."""
        return [as_key(row["id"]) for row in ListStore(self.engine).lists(tenant_id)]

    def sent_emails(self, tenant_id: str, contact_ids: Sequence[str]) -> list[str]:
        """Addresses the integration planned, sent or owns for these contacts, old ones included."""
        list_ids = self.list_ids(tenant_id)
        if not contact_ids or not list_ids:
            return []
        clause = self.q("erasure_select_sent_emails", list_ids=Text, contact_ids=Text)
        with self.state.connect() as conn:
            return [r[0] for r in conn.execute(clause, {"list_ids": list_ids,
                                                        "contact_ids": [as_key(c) for c in contact_ids]})]

    def purge(self, tenant_id: str, contact_ids: Iterable[str], email_keys: Iterable[str], actor: Actor) -> dict[str, int]:
        """Delete or scrub every copy of these persons, in one transaction with its audit event (the counts only,
        never whom); rows touched per kind. The private state names contacts and lists by their text, the CRM's
        statements get the adapter's types."""
        ids, keys = sorted({as_key(c) for c in contact_ids}), sorted({k for k in (email_key(e) for e in email_keys) if k})
        list_ids = self.list_ids(tenant_id)
        counts: dict[str, int] = {}
        with self.crm_then_state() as (crm, state):
            for name, label in PURGES:
                private = is_private(f"queries/{name}")
                params: dict[str, Any] = {
                    "tenant_id": tenant_id, "contact_ids": ids if private else self.keys.bind_contacts(ids),
                    "email_keys": keys, "list_ids": list_ids,
                }
                list_types = {"contact_ids": Text() if private else self.keys.contact_sql_type(self.dialect),
                              "email_keys": Text(), "list_ids": Text()}
                used = set(self.q(name).compile().params)
                clause = self.q(name, **{k: t for k, t in list_types.items() if k in used})
                conn = self.on(crm, state, name)
                counts[label] = int(conn.execute(clause, {k: v for k, v in params.items() if k in used}).rowcount or 0)
            AuditStore(self.engine).record(state, AuditEvent(
                AuditAction.CONTACT_ERASED, tenant_id, actor,
                detail={"contacts": len(ids), "addresses": len(keys), **counts}))
        return counts
