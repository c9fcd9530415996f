"""The dialog's reads and writes on the CRM database (SQL from ``include/sql/queries/members_*.sql``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, Text

from cleverreach.crm.store import CrmStore, SqlStore, utcnow
from cleverreach.exceptions import RecipientListError
from cleverreach.members.selection import (
    MemberChange,
    MemberSelection,
    SelectionError,
    has_usable_email,
    id_problems,
    like_prefilter,
    resolve_spellings,
)

CHUNK = 1000  # ids per statement: far below SQLite's 32766 bound variables, few round trips on PostgreSQL


def chunks(ids: list[int], size: int | None = None) -> Iterator[list[int]]:
    size = size or CHUNK
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


class MemberStore(SqlStore):
    """Select contact persons for a list and add or remove them, all refusals before the first write."""

    # ------------------------------------------------------------------ checks
    def recipient_list(self, tenant_id: str, list_id: int) -> dict[str, Any]:
        """The list, if it is the tenant's; the message is the same for "missing" and "someone else's"."""
        with self.engine.connect() as conn:
            row = conn.execute(self.q("members_select_list"), {"list_id": list_id}).mappings().first()
        if row is None or row["tenant_id"] != tenant_id:
            raise RecipientListError(f"recipient list {list_id} does not exist for tenant {tenant_id!r}")
        return dict(row)

    def check_ids(self, selection: MemberSelection) -> None:
        """Refuse address or contact ids that do not exist or belong to another tenant (naming the ids)."""
        if not (selection.address_ids or selection.contact_ids):
            return
        with self.engine.connect() as conn:
            owners = conn.execute(
                self.q("members_select_id_owners", address_ids=Integer, contact_ids=Integer),
                {"address_ids": list(selection.address_ids), "contact_ids": list(selection.contact_ids)},
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
            "address_ids": list(selection.address_ids),
            "by_contact_ids": bool(selection.contact_ids),
            "contact_ids": list(selection.contact_ids),
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
            address_ids=Integer, contact_ids=Integer, categories=Text, tags=Text, sales_processes=Text,
        )
        with self.engine.connect() as conn:
            rows = conn.execute(clause, params).mappings().all()
        return [dict(row) for row in rows if selection.accepts(row)]

    # ------------------------------------------------------------------ writes
    def add(self, tenant_id: str, list_id: int, contact_ids: list[int], actor: str) -> tuple[list[int], int]:
        """Add the persons not on the list yet, in one transaction; returns (added ids, already present)."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(self.q("members_lock_list"), {"list_id": list_id})
            present = {row[0] for row in conn.execute(self.q("members_select_member_ids"), {"list_id": list_id})}
            new = [cid for cid in contact_ids if cid not in present]
            insert = self.q("members_insert", contact_ids=Integer)
            for chunk in chunks(new):
                conn.execute(
                    insert,
                    {"tenant_id": tenant_id, "list_id": list_id, "contact_ids": chunk, "now": now, "actor": actor},
                )
        return new, len(contact_ids) - len(new)

    def remove(self, list_id: int, contact_ids: list[int]) -> tuple[int, int]:
        """Delete the member rows of these persons, in one transaction; returns (removed, not on the list)."""
        with self.engine.begin() as conn:
            conn.execute(self.q("members_lock_list"), {"list_id": list_id})
            present = {row[0] for row in conn.execute(self.q("members_select_member_ids"), {"list_id": list_id})}
            gone = [cid for cid in contact_ids if cid in present]
            delete = self.q("members_delete", contact_ids=Integer)
            for chunk in chunks(gone):
                conn.execute(delete, {"list_id": list_id, "contact_ids": chunk})
        return len(gone), len(contact_ids) - len(gone)

    # ------------------------------------------------------------------ the dialog
    def apply(self, selection: MemberSelection, actor: str) -> MemberChange:
        """
        Check tenant, list and ids, select the persons, then add or remove them.

        Raises ``TenantNotFoundError``, ``RecipientListError`` or ``SelectionError`` before anything is
        written. Adding to a list whose CleverReach group is gone is refused (the sync could not send
        them); removing is still allowed.
        """
        CrmStore(self.engine).tenants(selection.tenant_id)
        target = self.recipient_list(selection.tenant_id, selection.list_id)
        if selection.action == "add" and target["remote_deleted_at"] is not None:
            raise RecipientListError(
                f"recipient list {selection.list_id} ({target['name']}) of tenant {selection.tenant_id!r}: its "
                f"CleverReach group {target['external_id']} is gone since {target['remote_deleted_at']}, so "
                f"nobody can be added; re-import the lists or choose another list (removing is still allowed)"
            )
        self.check_ids(selection)
        rows = self.select(selection)
        ids = [row["contact_person_id"] for row in rows]
        if selection.action == "add":
            added, present = self.add(selection.tenant_id, selection.list_id, ids, actor)
            emails = {row["contact_person_id"]: row["email"] for row in rows}
            without_email = tuple(cid for cid in added if not has_usable_email(emails[cid]))
            return MemberChange(selection, target["name"], len(ids), tuple(added), present, without_email=without_email)
        removed, absent = self.remove(selection.list_id, ids)
        return MemberChange(selection, target["name"], len(ids), removed=removed, not_on_list=absent)
