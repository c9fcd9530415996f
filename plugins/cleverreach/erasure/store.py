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
from cleverreach.erasure.request import OwnedRow
from cleverreach.lists.store import ListStore
from cleverreach.email_keys import email_key

# (query, what the report calls it): run in this order, in one transaction per database
PURGES: tuple[tuple[str, str], ...] = (
    ("erasure_delete_members", "list_members"),
    ("erasure_delete_history", "contact_history"),
    ("erasure_scrub_changes", "sync_changes"),
    ("erasure_delete_refusals", "refusals"),
    ("erasure_delete_intents", "owner_intents"),
    ("erasure_delete_foreign_ext_ids", "foreign_ext_ids"),
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

    def owned_receivers(self, tenant_id: str, contact_ids: Sequence[str], email_keys: Iterable[str]) -> list[OwnedRow]:
        """What the ownership record holds for these contacts (by contact key) or these address keys."""
        list_ids = self.list_ids(tenant_id)
        if not list_ids:
            return []
        clause = self.q("erasure_select_owned", list_ids=Text, contact_ids=Text, email_keys=Text)
        params = {"list_ids": list_ids, "contact_ids": sorted({as_key(c) for c in contact_ids}),
                  "email_keys": sorted(set(email_keys))}
        with self.state.connect() as conn:
            return [OwnedRow(as_key(r[0]), str(r[1]), r[2], None if r[3] in (None, "") else str(r[3]))
                    for r in conn.execute(clause, params)]

    def plan_spellings(self, tenant_id: str, email_keys: set[str]) -> set[str]:
        """The spellings the tenant's stored plans hold of these address keys (keys computed here, by the sync's
        function: no SQL lower() compares a Unicode spelling with its punycode key)."""
        list_ids = self.list_ids(tenant_id)
        if not list_ids or not email_keys:
            return set()
        with self.state.connect() as conn:
            stored = [r[0] for r in conn.execute(self.q("erasure_select_plan_emails", list_ids=Text), {"list_ids": list_ids})]
        return {s for s in stored if email_key(s) in email_keys}

    def purge(self, tenant_id: str, contact_ids: Iterable[str], email_keys: Iterable[str], actor: Actor, *,
              plan_spellings: Iterable[str] = (), owned_gone: Iterable[OwnedRow] = ()) -> dict[str, int]:
        """Delete or scrub every copy of these persons, in one transaction with its audit event (the counts only,
        never whom); rows touched per kind. The private state names contacts and lists by their text, the CRM's
        statements get the adapter's types. Ownership rows go only as ``owned_gone`` names them (their
        receivers are confirmed gone); the plans are scrubbed by contact key and by every stored spelling."""
        ids, keys = sorted({as_key(c) for c in contact_ids}), sorted({k for k in (email_key(e) for e in email_keys) if k})
        emails = sorted({*keys, *plan_spellings})
        list_ids = self.list_ids(tenant_id)
        counts: dict[str, int] = {}
        with self.crm_then_state() as (crm, state):
            for name, label in PURGES:
                private = is_private(f"queries/{name}")
                params: dict[str, Any] = {
                    "tenant_id": tenant_id, "contact_ids": ids if private else self.keys.bind_contacts(ids),
                    "email_keys": keys, "emails": emails, "list_ids": list_ids,
                }
                list_types = {"contact_ids": Text() if private else self.keys.contact_sql_type(self.dialect),
                              "email_keys": Text(), "emails": Text(), "list_ids": Text()}
                used = set(self.q(name).compile().params)
                clause = self.q(name, **{k: t for k, t in list_types.items() if k in used})
                conn = self.on(crm, state, name)
                counts[label] = int(conn.execute(clause, {k: v for k, v in params.items() if k in used}).rowcount or 0)
            delete_owned = self.q("erasure_delete_owned")
            counts["owned_receivers"] = sum(
                int(state.execute(delete_owned, {"list_id": row.list_id, "email_key": row.email_key}).rowcount or 0)
                for row in dict.fromkeys(owned_gone))
            AuditStore(self.engine).record(state, AuditEvent(
                AuditAction.CONTACT_ERASED, tenant_id, actor,
                detail={"contacts": len(ids), "addresses": len(keys), **counts}))
        return counts
