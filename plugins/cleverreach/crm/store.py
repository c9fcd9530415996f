"""The base of every store: the CRM's engine, the private state's engine, and the named SQL queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, bindparam
from sqlalchemy.types import TypeEngine

from cleverreach.crm.keys import AdapterKeys, adapter_keys
from cleverreach.crm.sql import is_private, query
from cleverreach.crm.state import state_engine_of, state_schema_of, state_table


class SqlStore:
    """Base of the stores. ``engine`` is the CRM's (the adapter's queries: CRM data and entities);
    ``state`` the private state's, which may be another database (the package's queries). A query is loaded
    for the dialect of the database it runs on; a method runs a private query on ``state`` connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.state = state_engine_of(engine)
        self.state_schema = state_schema_of(self.state)

    @property
    def keys(self) -> AdapterKeys:
        """The adapter's key types: a key (text inside the integration) is bound in its CRM column's type."""
        return adapter_keys()

    def q(self, name: str, **expanding: type[TypeEngine[Any]] | TypeEngine[Any]) -> TextClause:
        """The named query; ``expanding`` names its list parameters and their element type (an empty
        list still needs the type on PostgreSQL, where it becomes an empty typed set)."""
        if is_private(f"queries/{name}"):
            clause = query(name, self.state.dialect.name, self.state_schema)
        else:
            clause = query(name, self.dialect)
        if not expanding:
            return clause
        return clause.bindparams(*(bindparam(param, expanding=True, type_=type_) for param, type_ in expanding.items()))

    @contextmanager
    def crm_then_state(self) -> Iterator[tuple[Connection, Connection]]:
        """Connections for a change that writes the CRM and the private state: one transaction when they share
        a database; else two, the CRM's committed first, so that a crash between them leaves the state behind
        (the next run repeats the CRM's idempotent writes) and never ahead."""
        if self.state is self.engine:
            with self.engine.begin() as conn:
                yield conn, conn
            return
        with self.state.begin() as state, self.engine.begin() as crm:  # exits (commits) crm first
            yield crm, state

    def on(self, crm: Connection, state: Connection, name: str) -> Connection:
        """The connection a named query runs on: the state's for the package's queries, else the CRM's."""
        return state if is_private(f"queries/{name}") else crm

    def state_table(self, table: str) -> str:
        """A private table's qualified name, for bulk writes built in code."""
        return state_table(self.state, table)

    def _rows(self, conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in conn.execute(self.q(name), params)]
