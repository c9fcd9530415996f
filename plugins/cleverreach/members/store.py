"""The dialog's reads and writes on the CRM database (SQL from ``include/sql/queries/members_*.sql``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Text

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.crm.keys import InvalidKeyError, as_key
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction
from cleverreach.members.selection import MemberSelection, SelectionError, id_problems, like_prefilter, resolve_spellings

CHUNK = 1000  # ids per statement: far below SQLite's 32766 bound variables, few round trips on PostgreSQL


def chunks(ids: list[Any], size: int | None = None) -> Iterator[list[Any]]:
    size = size or CHUNK
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _binds(bind: Any, key: str) -> bool:
    try:
        bind(key)
    except InvalidKeyError:
        return False
    return True


class MemberStore(SqlStore):
    """Select contact persons for a list and add or remove them (the orchestration is ``members.service``)."""

    # ------------------------------------------------------------------ checks
    def check_ids(self, selection: MemberSelection) -> None:
        """Refuse address or contact ids that do not exist or belong to another tenant (naming the ids)."""
        if not (selection.address_ids or selection.contact_ids):
            return
        with self.engine.connect() as conn:
            addresses = [key for key in selection.address_ids if _binds(self.keys.bind_address, key)]  # others: unknown
            contacts = [key for key in selection.contact_ids if _binds(self.keys.bind_contact, key)]
            owners = conn.execute(
                self.q("members_select_id_owners", address_ids=self.keys.address_sql_type(self.dialect),
                       contact_ids=self.keys.contact_sql_type(self.dialect)),
                {"address_ids": self.keys.bind_addresses(addresses), "contact_ids": self.keys.bind_contacts(contacts)},
            ).mappings().all()
        problem = id_problems(selection, owners)
        if problem:
            raise SelectionError(problem)

    # ------------------------------------------------------------------ selection
    def vocabulary(self, tenant_id: str) -> dict[str, list[str]]:
        """The tenant's stored spellings of tags, categories and sales processes."""
        found: dict[str, list[str]] = {"tag": [], "category": [], "sales_process": []}
        with self.engine.connect() as conn:
            for row in conn.execute(self.q("members_select_vocabulary"), {"tenant_id": tenant_id}).mappings():
                found[row["kind"]].append(row["value"])
        return found

    def select(self, selection: MemberSelection) -> list[dict[str, Any]]:
        """The tenant's contact persons that the selection matches, ordered by id."""
        spellings: dict[str, tuple[str, ...]] = {}
        if selection.tag or selection.category or selection.sales_process:
            stored = self.vocabulary(selection.tenant_id)
            for kind, wanted in (("tag", selection.tag), ("category", selection.category),
                                 ("sales_process", selection.sales_process)):
                if wanted is not None:
                    spellings[kind] = resolve_spellings(wanted, stored[kind])
        params = {
            "tenant_id": selection.tenant_id,
            "by_address": selection.by_address,
            "by_address_ids": bool(selection.address_ids),
            "address_ids": self.keys.bind_addresses(selection.address_ids),
            "by_contact_ids": bool(selection.contact_ids),
            "contact_ids": self.keys.bind_contacts(selection.contact_ids),
            "by_category": "category" in spellings,
            "categories": list(spellings.get("category", ())),
            "by_tag": "tag" in spellings,
            "tags": list(spellings.get("tag", ())),
            "by_sales_process": "sales_process" in spellings,
            "sales_processes": list(spellings.get("sales_process", ())),
            "search": like_prefilter(selection.search) if selection.search is not None else None,
        }
        clause = self.q(
            "members_select_candidates",
            address_ids=self.keys.address_sql_type(self.dialect), contact_ids=self.keys.contact_sql_type(self.dialect),
            categories=Text, tags=Text, sales_processes=Text,
        )
        with self.engine.connect() as conn:
            rows = conn.execute(clause, params).mappings().all()
        return [{**row, "contact_person_id": as_key(row["contact_person_id"])} for row in rows if selection.accepts(row)]

    # ------------------------------------------------------------------ writes
    def add(self, tenant_id: str, list_id: str, contact_ids: list[str], actor: Actor) -> tuple[list[str], int]:
        """Add the persons not on the list yet, in one transaction with its audit event (counts only, never whom);
        returns (added keys, already present)."""
        now = utcnow()
        keys, bound_list = self.keys, self.keys.bind_list(list_id)
        with self.crm_then_state() as (conn, state):
            conn.execute(self.q("members_lock_list"), {"list_id": bound_list})
            present = {as_key(row[0]) for row in conn.execute(self.q("members_select_member_ids"), {"list_id": bound_list})}
            new = [as_key(cid) for cid in contact_ids if as_key(cid) not in present]
            insert = self.q("members_insert", contact_ids=keys.contact_sql_type(self.dialect))
            for chunk in chunks(keys.bind_contacts(new)):
                conn.execute(
                    insert,
                    {"tenant_id": tenant_id, "list_id": bound_list, "contact_ids": chunk, "now": now, "actor": actor.name},
                )
            if new:
                AuditStore(self.engine).record(state, AuditEvent(
                    AuditAction.MEMBERS_ADDED, tenant_id, actor, list_id,
                    {"matched": len(contact_ids), "added": len(new), "already_present": len(contact_ids) - len(new)}))
        return new, len(contact_ids) - len(new)

    def remove(self, tenant_id: str, list_id: str, contact_ids: list[str], actor: Actor) -> tuple[int, int]:
        """Delete the member rows of these persons, in one transaction with its audit event (counts only);
        returns (removed, not on the list)."""
        keys, bound_list = self.keys, self.keys.bind_list(list_id)
        with self.crm_then_state() as (conn, state):
            conn.execute(self.q("members_lock_list"), {"list_id": bound_list})
            present = {as_key(row[0]) for row in conn.execute(self.q("members_select_member_ids"), {"list_id": bound_list})}
            gone = [as_key(cid) for cid in contact_ids if as_key(cid) in present]
            delete = self.q("members_delete", contact_ids=keys.contact_sql_type(self.dialect))
            for chunk in chunks(keys.bind_contacts(gone)):
                conn.execute(delete, {"list_id": bound_list, "contact_ids": chunk})
            if gone:
                AuditStore(self.engine).record(state, AuditEvent(
                    AuditAction.MEMBERS_REMOVED, tenant_id, actor, list_id,
                    {"matched": len(contact_ids), "removed": len(gone), "not_on_list": len(contact_ids) - len(gone)}))
        return len(gone), len(contact_ids) - len(gone)
