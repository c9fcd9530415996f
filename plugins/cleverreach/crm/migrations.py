"""Versioned schema migrations for the integration's private state.

Files ``state/NNNN_<name>.sql`` of the package's own SQL (``cleverreach/sql``, see ``cleverreach.crm.sql``)
are applied in order on the private state's engine and schema (``cleverreach.crm.state``), each in its own
transaction, and recorded in the state's ``cleverreach_schema_migration``. They never touch a CRM table: the
CRM's lists, members and history are the CRM's (``create_crm_tables`` makes the demo's). Applying is
idempotent and safe when two tasks start at once: PostgreSQL serialises them with an advisory lock, SQLite
with ``BEGIN IMMEDIATE`` (every transaction on SQLite starts that way, see ``cleverreach.hooks.crm``).

Who migrates: the first task of each DAG run, ``airflow-init`` and ``make airflow`` (``python -m
cleverreach.crm.migrate``), and the UI once per API-server process. Every other task only checks
(:func:`check_migrated`, one read), so a run's hundred mapped tasks do not each take the lock. A deployment
from before the private schema (release 0.1) is adopted once by its own command (``cleverreach.crm.adopt_legacy``);
until then :func:`migrate` refuses to start.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Connection, Engine, inspect, text

from cleverreach.clock import utcnow
from cleverreach.crm.legacy import refuse_unadopted_legacy
from cleverreach.crm.sql import load_sql, query, split_statements, sql_names
from cleverreach.crm.state import state_engine_of, state_schema_of
from cleverreach.exceptions import CleverReachConfigError

log = logging.getLogger(__name__)

MIGRATION_TABLE = "cleverreach_schema_migration"  # named in the package's queries/migrations_*.sql
MIGRATE_COMMAND = "python -m cleverreach.crm.migrate"
_ADVISORY_LOCK_KEY = 0x43524D49  # "CRMI"


class StateNotMigratedError(CleverReachConfigError):
    """The private state lacks migrations this code needs: a task that does not migrate found it so."""


def available_migrations(folder: str = "state") -> list[tuple[str, str]]:
    """(version, name) of every migration file, in order; dialect variants count once."""
    found: dict[str, str] = {}
    for name in sql_names(folder):
        stem = name.rpartition("/")[2]
        version, _, _title = stem.partition("_")
        found[version] = stem
    return sorted(found.items())


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def _applied(conn: Connection, schema: str | None) -> set[str]:
    return {row[0] for row in conn.execute(query("migrations_select_applied", conn.dialect.name, schema))}


def _ensure_schema(conn: Connection, schema: str | None) -> None:
    """Create the state's schema unless it exists (a DBA may have created it for a role without CREATE rights)."""
    if schema is None:
        return
    if conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}).first():
        return
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")  # a checked plain name (crm.sql.state_tokens)


def ensure_state_schema(state: Engine) -> None:
    """The state's schema, created unless it exists (under the advisory lock)."""
    with state.begin() as conn:
        _lock(conn)
        _ensure_schema(conn, state_schema_of(state))


def apply_migrations(state: Engine, folder: str = "state") -> list[str]:
    """Create the migration table unless it exists, then apply the pending migrations of ``<folder>`` to the state
    engine ``state``; return the versions applied now. The caller has made sure the schema exists."""
    schema = state_schema_of(state)
    dialect = state.dialect.name
    with state.begin() as conn:
        _lock(conn)
        conn.execute(query("migrations_create_table", dialect, schema))
    applied_now: list[str] = []
    for version, stem in available_migrations(folder):
        key = f"{folder}/{version}"
        with state.begin() as conn:
            _lock(conn)
            if key in _applied(conn, schema):
                continue
            for statement in split_statements(load_sql(f"{folder}/{stem}", dialect, schema)):
                conn.exec_driver_sql(statement)
            conn.execute(query("migrations_record", dialect, schema),
                         {"version": key, "name": stem, "applied_at": utcnow()})
            applied_now.append(key)
            log.info("Applied migration %s of the private state", stem)
    return applied_now


def migrate(engine: Engine, folder: str = "state") -> list[str]:
    """Apply the pending migrations of ``<folder>`` to the private state bound to ``engine`` (a CRM engine or
    the state's own); return the versions applied now. Refuses, before it changes anything, a CRM that still
    holds the un-adopted tables of release 0.1 (``cleverreach.crm.legacy.LegacyStateError``)."""
    state = state_engine_of(engine)
    refuse_unadopted_legacy(engine, state)
    ensure_state_schema(state)
    return apply_migrations(state, folder)


def pending_migrations(engine: Engine, folder: str = "state") -> list[str]:
    """The versions of ``<folder>`` not applied to the private state bound to ``engine`` (all of them when it
    has no migration table yet). A catalogue lookup and one small read: cheap enough for every task."""
    state = state_engine_of(engine)
    schema = state_schema_of(state)
    with state.connect() as conn:
        applied = _applied(conn, schema) if inspect(conn).has_table(MIGRATION_TABLE, schema=schema) else set()
    return [key for key in (f"{folder}/{version}" for version, _ in available_migrations(folder)) if key not in applied]


def check_migrated(engine: Engine) -> None:
    """Raise :class:`StateNotMigratedError` unless every migration of this release is applied. For the tasks
    that must not migrate themselves (mapped ones, tasks after the first): they fail plainly instead of
    working on a state they do not know."""
    pending = pending_migrations(engine)
    if pending:
        raise StateNotMigratedError(
            f"the integration's private state is not migrated (pending: {', '.join(pending)}): the first task of "
            f"each DAG run migrates it, or run `{MIGRATE_COMMAND}` once, then run this task again")


def create_crm_tables(engine: Engine) -> None:
    """Create the CRM's own tables from every file of the adapter's ``crm/``, in order (tests and the demo;
    the real CRM has them). Idempotent: ``IF NOT EXISTS``, and an ``ADD COLUMN`` whose column exists is skipped."""
    with engine.begin() as conn:
        for name in sql_names("crm"):
            for statement in split_statements(load_sql(name, engine.dialect.name)):
                added = _ADD_COLUMN.match(statement)
                if added and added.group(2).lower() in {c["name"].lower() for c in inspect(conn).get_columns(added.group(1))}:
                    continue
                conn.exec_driver_sql(statement)


_ADD_COLUMN = re.compile(r"\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", re.IGNORECASE)
