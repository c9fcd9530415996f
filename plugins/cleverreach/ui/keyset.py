"""Keyset paging of the members table: the SQL pieces that seek to the row after (or before) a boundary row.

A page is "the next ``n`` rows after the row of contact X in this order", never "skip ``k`` rows", so
every page costs one index seek however deep it lies (OFFSET reads and drops every row before it).
Each sort key is a tuple of columns ending in the contact id (unique), so the order is total.

Nullable columns (the CRM's person columns) sort NULL first ascending and last descending: that is
SQLite's own order and that of a PostgreSQL index declared ``NULLS FIRST`` (migration 0015), so one
index serves both directions on both databases. A row-value comparison ``(a, b) > (x, y)`` cannot
seek past NULLs (and SQLite seeks only on plain columns), so "after the boundary" is split into
disjuncts that are each an index range (equal prefix, then one column beyond the boundary's value),
listed in row order: the store reads them one after the other until the page is full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class MemberSort(StrEnum):
    """The members table's sort keys; each maps to fixed columns (never user text in SQL)."""

    CONTACT = "contact"
    PERSON = "person"
    FUNCTION = "function"
    EMAIL = "email"
    STATE = "state"
    ADDED = "added"


@dataclass(frozen=True)
class KeyColumn:
    expression: str  # the column in the page query (``p.`` = contact_person, ``m.`` = the membership)
    name: str  # its name in the page's rows
    nullable: bool = False


_CONTACT_ID = KeyColumn("m.contact_person_id", "contact_person_id")
_PERSON_ID = KeyColumn("p.id", "contact_person_id")  # the same value; p.id is the last column of the person indexes

SORT_KEYS: dict[MemberSort, tuple[KeyColumn, ...]] = {
    MemberSort.CONTACT: (_CONTACT_ID,),
    MemberSort.PERSON: (KeyColumn("p.last_name", "last_name", True), KeyColumn("p.first_name", "first_name", True),
                        _PERSON_ID),
    MemberSort.FUNCTION: (KeyColumn("p.function", "function", True), _PERSON_ID),
    MemberSort.EMAIL: (KeyColumn("p.email", "email", True), _PERSON_ID),
    MemberSort.STATE: (KeyColumn("m.sync_state", "sync_state"), _CONTACT_ID),
    MemberSort.ADDED: (KeyColumn("m.added_at", "added_at"), _CONTACT_ID),
}


# What the page appends to the adapter's page statements besides the keyset condition and the order; the
# adapter manifest (cleverreach.crm_check.manifest) declares them from here and the adapter check runs them.
STATE_FILTER = "m.sync_state = :state"
BOUNDARY_FILTER = "m.contact_person_id = :boundary_id"


def walks_person(sort: MemberSort) -> bool:
    """Whether a large list is paged in this order by the person's index (``ui_members_page_by_person``)
    rather than the membership's (``ui_members_page``)."""
    return SORT_KEYS[sort][0].expression.startswith("p.")


def page_sql(base: str, conditions: Sequence[str] = (), order: str = "") -> str:
    """A page statement with what the page appends: each condition ANDed to its WHERE, then the order and
    the limit (``:limit``) when an order is given."""
    body = base.rstrip().rstrip(";") + "".join(f"\n  AND ({condition})" for condition in conditions if condition)
    return f"{body}\n{order}\nLIMIT :limit" if order else body


def order_by(key: tuple[KeyColumn, ...], descending: bool, dialect: str) -> str:
    """``ORDER BY`` for a key; PostgreSQL is told the NULL placement SQLite has by itself."""
    direction = "DESC" if descending else "ASC"
    parts = []
    for column in key:
        nulls = f" NULLS {'LAST' if descending else 'FIRST'}" if column.nullable and dialect == "postgresql" else ""
        parts.append(f"{column.expression} {direction}{nulls}")
    return "ORDER BY " + ", ".join(parts)


def after(key: tuple[KeyColumn, ...], boundary: dict[str, object], descending: bool) -> list[tuple[str, dict[str, object]]]:
    """The disjuncts "after ``boundary`` in this order", in row order, each a condition and its parameters."""
    found: list[tuple[str, dict[str, object]]] = []
    for level in reversed(range(len(key))):
        prefix, params = [], {}
        for i, column in enumerate(key[:level]):
            value = boundary[column.name]
            if value is None:
                prefix.append(f"{column.expression} IS NULL")
            else:
                prefix.append(f"{column.expression} = :key_{i}")
                params[f"key_{i}"] = value
        column, value = key[level], boundary[key[level].name]
        beyond: list[str] = []
        if not descending:  # NULL first: after NULL come all values; after a value, the greater ones
            beyond = [f"{column.expression} IS NOT NULL"] if value is None else [f"{column.expression} > :key_{level}"]
        elif value is not None:  # NULL last: after a value, the smaller ones, then the NULLs
            beyond = [f"{column.expression} < :key_{level}"] + ([f"{column.expression} IS NULL"] if column.nullable else [])
        for condition in beyond:
            used = {**params, **({f"key_{level}": value} if f":key_{level}" in condition else {})}
            found.append((" AND ".join([*prefix, condition]), used))
    return found
