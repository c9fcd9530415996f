"""What the page reads that no other store offers: paged members, stored plans, contact history, login checks.

Queries are named SQL like every store's: the CRM side (members, contacts, history) in the adapter
folder (``include/sql/queries/ui_*.sql``), the integration's private state (runs, plans, login checks)
in the package (``cleverreach/sql/queries/ui_*.sql``). Members are paged by keyset
(``cleverreach.ui.keyset``): every page of every order is one index seek (migrations 0010 and 0015),
milliseconds at a million members. Plans and history are paged with LIMIT/OFFSET over an order that
ends in a unique key (they stay small: one list's run, one contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import String, bindparam, text

from cleverreach.crm.keys import InvalidKeyError, as_key
from cleverreach.crm.sql import load_sql, split_statements
from cleverreach.clock import utcnow
from cleverreach.crm.store import SqlStore
from cleverreach.enums import MemberState
from cleverreach.sync.staleness import shown_member
from cleverreach.ui.keyset import (
    BOUNDARY_FILTER,
    SORT_KEYS,
    STATE_FILTER,
    MemberSort,
    after,
    order_by,
    page_sql,
    walks_person,
)

# Up to this many members (of the list, or in the filtered state) a page sorts them in memory; above,
# it walks the sort key's index, which finds a page fast only where the list is dense among the rows.
SMALL_SET = 5000


class PagePosition(StrEnum):
    """Where a members page lies: the first, the one after or before a boundary row, the last."""

    FIRST = "first"
    AFTER = "after"
    BEFORE = "before"
    LAST = "last"


class BoundaryGone(LookupError):
    """The boundary row of a keyset page is no longer a member of the list."""


@dataclass(frozen=True)
class MembersPage:
    """One keyset page: ``before`` / ``after`` are the contact ids to page on from, None at either end."""

    rows: list[dict[str, Any]]
    page_size: int
    before: str | int | None
    after: str | int | None

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "page_size": self.page_size, "before": self.before, "after": self.after}


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
    def member_counts(self, list_id: str, tenant_id: str | None = None) -> dict[str, int]:
        """Members per state; with the tenant, synced members whose contact changed since count as pending
        (``cleverreach.sync.staleness``), as the page shows them."""
        with self.engine.connect() as conn:
            counts = {row["sync_state"]: int(row["n"]) for row in self._rows(conn, "ui_members_counts", list_id=self.keys.bind_list(list_id))}
            if tenant_id is None or not counts.get(MemberState.SYNCED):
                return counts
            changed = int(conn.execute(self.q("ui_members_count_changed"),
                                       {"list_id": self.keys.bind_list(list_id), "tenant_id": tenant_id}).scalar_one())
        if changed:
            counts[MemberState.SYNCED] -= changed
            counts[MemberState.PENDING] = counts.get(MemberState.PENDING, 0) + changed
        return {state: n for state, n in counts.items() if n}

    def members_page(self, tenant_id: str, list_id: str, *, state: str | None, sort: MemberSort, descending: bool,
                     position: PagePosition, boundary_id: str | None, page_size: int) -> MembersPage:
        """One page in ``sort`` order: the first, the last, or the one after/before the member ``boundary_id``."""
        key = SORT_KEYS[sort]
        params: dict[str, Any] = {"list_id": self.keys.bind_list(list_id), "tenant_id": tenant_id, "state": state}
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                for statement in split_statements(load_sql("queries/ui_members_nested_loops", self.dialect)):
                    conn.exec_driver_sql(statement)
            base, params["states"] = self._page_query(conn, list_id, state, by_person=walks_person(sort))
            backwards = position in (PagePosition.BEFORE, PagePosition.LAST)
            disjuncts: list[tuple[str, dict[str, Any]]] = [("", {})]
            if position in (PagePosition.AFTER, PagePosition.BEFORE):
                disjuncts = after(key, self._boundary(conn, params, boundary_id), descending != backwards)
            order = order_by(key, descending != backwards, self.dialect)
            rows: list[dict[str, Any]] = []
            for condition, values in disjuncts:  # in row order: stop once the page (and one more row) is read
                statement = text(page_sql(base, [condition], order))
                if ":states" in base:
                    statement = statement.bindparams(bindparam("states", expanding=True, type_=String))
                rows += [dict(r._mapping) for r in conn.execute(
                    statement, {**params, **values, "limit": page_size + 1 - len(rows)})]
                if len(rows) > page_size:
                    break
        more, rows = len(rows) > page_size, [shown_member(row) for row in rows[:page_size]]
        if backwards:
            rows.reverse()
        ids = [row["contact_person_id"] for row in rows]
        first_id, last_id = (ids[0], ids[-1]) if ids else (boundary_id, boundary_id)
        before = {PagePosition.FIRST: None, PagePosition.AFTER: first_id}.get(position, first_id if more else None)
        after_id = {PagePosition.LAST: None, PagePosition.BEFORE: last_id}.get(position, last_id if more else None)
        return MembersPage(rows, page_size, before, after_id)

    def _page_query(self, conn: Any, list_id: str, state: str | None, *, by_person: bool) -> tuple[str, list[str]]:
        """The page query for this list: sort in memory when it (or the state) is small, else walk the index
        of the order (the contacts' for an order of the person, the members' otherwise). What it appends is
        declared in the adapter manifest from ``cleverreach.ui.keyset`` (the adapter check runs it)."""
        states = [state] if state else [s.value for s in MemberState]
        counted = conn.execute(self.q("ui_members_count_upto", states=String),
                               {"list_id": self.keys.bind_list(list_id), "states": states, "cap": SMALL_SET + 1}).scalar_one()
        if counted <= SMALL_SET:
            return page_sql(load_sql("queries/ui_members_page_small", self.dialect)), states
        name = "queries/ui_members_page_by_person" if by_person else "queries/ui_members_page"
        return page_sql(load_sql(name, self.dialect), [STATE_FILTER] if state else []), states

    def _boundary(self, conn: Any, params: dict[str, Any], boundary_id: str | None) -> dict[str, Any]:
        """The boundary member's sort values (read, not taken from the URL: a cursor carries no personal data);
        a boundary that is no contact key of the CRM's type is no member either."""
        try:
            bound = self.keys.bind_contact(boundary_id)
        except InvalidKeyError:
            bound = None
        found = None if bound is None else conn.execute(
            text(page_sql(load_sql("queries/ui_members_page", self.dialect), [BOUNDARY_FILTER])),
            {**params, "boundary_id": bound}).mappings().first()
        if found is None:
            raise BoundaryGone(f"contact {boundary_id} is no longer a member of list {params['list_id']}")
        return dict(found)

    def member_ids_in_state(self, list_id: str, state: str) -> list[str]:
        with self.engine.connect() as conn:
            return [as_key(row[0]) for row in conn.execute(self.q("ui_members_ids_in_state"),
                                                            {"list_id": self.keys.bind_list(list_id), "state": state})]

    # ------------------------------------------------------------------ runs and plans
    def sync_runs(self, tenant_id: str, list_id: str, limit: int = 10) -> list[dict[str, Any]]:
        with self.state.connect() as conn:
            return self._rows(conn, "ui_sync_runs_for_list", tenant_id=tenant_id, list_id=as_key(list_id), limit=limit)

    def sync_run(self, tenant_id: str, list_id: str, run_pk: int) -> dict[str, Any] | None:
        with self.state.connect() as conn:
            rows = self._rows(conn, "ui_sync_run", tenant_id=tenant_id, list_id=as_key(list_id), run_pk=run_pk)
        return rows[0] if rows else None

    def change_counts(self, run_pk: int) -> dict[str, int]:
        with self.state.connect() as conn:
            return {row["action"]: int(row["n"]) for row in self._rows(conn, "ui_sync_changes_counts", run_pk=run_pk)}

    def changes_page(self, run_pk: int, *, action: str | None, page: int, page_size: int) -> Page:
        counts = self.change_counts(run_pk)
        total = counts.get(action, 0) if action else sum(counts.values())
        with self.state.connect() as conn:
            rows = self._rows(conn, "ui_sync_changes_page", run_pk=run_pk, action=action, limit=page_size,
                              offset=(page - 1) * page_size)
        return Page(rows, total, page, page_size)

    # ------------------------------------------------------------------ contacts
    def contact(self, tenant_id: str, contact_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            try:
                bound = self.keys.bind_contact(contact_id)
            except InvalidKeyError:  # no key of the CRM's type: nobody
                return None
            rows = self._rows(conn, "ui_contact_select", tenant_id=tenant_id, contact_id=bound)
        return rows[0] if rows else None

    def contact_history(self, tenant_id: str, contact_id: str, *, page: int, page_size: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return self._rows(conn, "ui_contact_history", tenant_id=tenant_id, contact_id=self.keys.bind_contact(contact_id),
                              limit=page_size, offset=(page - 1) * page_size)

    # ------------------------------------------------------------------ login checks
    def login_checks(self) -> dict[str, dict[str, Any]]:
        with self.state.connect() as conn:
            return {row["tenant_id"]: row for row in self._rows(conn, "ui_login_checks_select")}

    def record_login_check(self, tenant_id: str, ok: bool, message: str | None, actor: str) -> None:
        with self.state.begin() as conn:
            conn.execute(self.q("ui_login_check_upsert"), {"tenant_id": tenant_id, "ok": ok, "now": utcnow(),
                                                           "message": (message or "")[:1000] or None, "actor": actor})
