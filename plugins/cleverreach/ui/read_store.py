"""What the page reads that no other store offers: paged members, stored plans, contact history, login checks.

Queries are named SQL like every store's: the CRM side (members, contacts, history) in the adapter
folder (``include/sql/queries/ui_*.sql``), the integration's private state (runs, plans, login checks)
in the package (``cleverreach/sql/queries/ui_*.sql``). Paging is LIMIT/OFFSET over an order that
always ends in a unique key, so pages never overlap; the filter and default order are served by
indexes (migration 0010), which keeps a page of a million-member list in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import text

from cleverreach.crm.sql import load_sql
from cleverreach.crm.store import SqlStore, utcnow


class MemberSort(StrEnum):
    """The members table's sort keys; each maps to a fixed ORDER BY (never user text in SQL)."""

    CONTACT = "contact"
    PERSON = "person"
    FUNCTION = "function"
    EMAIL = "email"
    STATE = "state"
    ADDED = "added"


_ORDER_BY: dict[MemberSort, tuple[str, ...]] = {
    MemberSort.CONTACT: ("m.contact_person_id",),
    MemberSort.PERSON: ("p.last_name", "p.first_name", "m.contact_person_id"),
    MemberSort.FUNCTION: ("p.function", "m.contact_person_id"),
    MemberSort.EMAIL: ("p.email", "m.contact_person_id"),
    MemberSort.STATE: ("m.sync_state", "m.contact_person_id"),
    MemberSort.ADDED: ("m.added_at", "m.contact_person_id"),
}


def order_by(sort: MemberSort, descending: bool) -> str:
    """``ORDER BY`` for a sort key; NULLs last either way, the same on SQLite and PostgreSQL."""
    direction = "DESC" if descending else "ASC"
    parts = []
    for column in _ORDER_BY[sort]:
        if column.startswith("p."):  # the CRM's person columns may be NULL; the member columns may not
            parts.append(f"({column} IS NULL) ASC")
        parts.append(f"{column} {direction}")
    return "ORDER BY " + ", ".join(parts)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "total": self.total, "page": self.page, "page_size": self.page_size,
                "pages": max(1, -(-self.total // self.page_size))}


class UiReadStore(SqlStore):
    """Reads for the page (and the page's one write of its own, the login check's result)."""

    # ------------------------------------------------------------------ members
    def member_counts(self, list_id: int) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {row["sync_state"]: int(row["n"]) for row in self._rows(conn, "ui_members_counts", list_id=list_id)}

    def members_page(self, list_id: int, *, state: str | None, sort: MemberSort, descending: bool, page: int,
                     page_size: int) -> Page:
        """One page of members; the total comes from the per-state counts (an index-only scan)."""
        counts = self.member_counts(list_id)
        total = counts.get(state, 0) if state else sum(counts.values())
        statement = text(f"{load_sql('queries/ui_members_page', self.dialect).rstrip().rstrip(';')}\n"
                         f"{order_by(sort, descending)}\nLIMIT :limit OFFSET :offset")
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(statement, {
                "list_id": list_id, "state": state, "limit": page_size, "offset": (page - 1) * page_size})]
        return Page(rows, total, page, page_size)

    def member_ids_in_state(self, list_id: int, state: str) -> list[int]:
        with self.engine.connect() as conn:
            return [int(row[0]) for row in conn.execute(self.q("ui_members_ids_in_state"), {"list_id": list_id, "state": state})]

    # ------------------------------------------------------------------ runs and plans
    def sync_runs(self, tenant_id: str, list_id: int, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return self._rows(conn, "ui_sync_runs_for_list", tenant_id=tenant_id, list_id=list_id, limit=limit)

    def sync_run(self, tenant_id: str, list_id: int, run_pk: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            rows = self._rows(conn, "ui_sync_run", tenant_id=tenant_id, list_id=list_id, run_pk=run_pk)
        return rows[0] if rows else None

    def change_counts(self, run_pk: int) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {row["action"]: int(row["n"]) for row in self._rows(conn, "ui_sync_changes_counts", run_pk=run_pk)}

    def changes_page(self, run_pk: int, *, action: str | None, page: int, page_size: int) -> Page:
        counts = self.change_counts(run_pk)
        total = counts.get(action, 0) if action else sum(counts.values())
        with self.engine.connect() as conn:
            rows = self._rows(conn, "ui_sync_changes_page", run_pk=run_pk, action=action, limit=page_size,
                              offset=(page - 1) * page_size)
        return Page(rows, total, page, page_size)

    # ------------------------------------------------------------------ contacts
    def contact(self, tenant_id: str, contact_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            rows = self._rows(conn, "ui_contact_select", tenant_id=tenant_id, contact_id=contact_id)
        return rows[0] if rows else None

    def contact_history(self, tenant_id: str, contact_id: int, *, page: int, page_size: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return self._rows(conn, "ui_contact_history", tenant_id=tenant_id, contact_id=contact_id,
                              limit=page_size, offset=(page - 1) * page_size)

    # ------------------------------------------------------------------ login checks
    def login_checks(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {row["tenant_id"]: row for row in self._rows(conn, "ui_login_checks_select")}

    def record_login_check(self, tenant_id: str, ok: bool, message: str | None, actor: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.q("ui_login_check_upsert"), {"tenant_id": tenant_id, "ok": ok, "now": utcnow(),
                                                           "message": (message or "")[:1000] or None, "actor": actor})
