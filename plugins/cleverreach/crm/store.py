"""The base of every store: an engine, and the named SQL queries for its dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, bindparam
from sqlalchemy.types import TypeEngine

from cleverreach.crm.sql import query


def utcnow() -> datetime:
    """Naive UTC, the way the CRM's ``timestamp`` columns store time on both dialects."""
    return datetime.now(UTC).replace(tzinfo=None)


class SqlStore:
    """Base of the stores: an engine, and the named queries (loaded by name, see ``crm.sql``) for its dialect."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def q(self, name: str, **expanding: type[TypeEngine[Any]]) -> TextClause:
        """The named query; ``expanding`` names its list parameters and their element type (an empty
        list still needs the type on PostgreSQL, where it becomes an empty typed set)."""
        clause = query(name, self.dialect)
        if not expanding:
            return clause
        return clause.bindparams(*(bindparam(param, expanding=True, type_=type_) for param, type_ in expanding.items()))

    def _rows(self, conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in conn.execute(self.q(name), params)]
