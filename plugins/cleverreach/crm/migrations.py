"""Versioned schema migrations for the integration's tables.

Files ``migrations/NNNN_<name>.sql`` of the package's own SQL (``cleverreach/sql``, see
``cleverreach.crm.sql``) are applied in order, each in its own transaction, and recorded in
``cleverreach_schema_migration``. Applying is idempotent and safe when two tasks
start at once: PostgreSQL serialises them with an advisory lock, SQLite with ``BEGIN IMMEDIATE``
(every CRM transaction on SQLite starts that way, see ``cleverreach.hooks.crm``).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, text

from cleverreach.crm.sql import load_sql, query, split_statements, sql_names

log = logging.getLogger(__name__)

MIGRATION_TABLE = "cleverreach_schema_migration"  # named in the package's queries/migrations_*.sql
_ADVISORY_LOCK_KEY = 0x43524D49  # "CRMI"


def available_migrations(folder: str = "migrations") -> list[tuple[str, str]]:
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


def _applied(conn: Connection) -> set[str]:
    return {row[0] for row in conn.execute(query("migrations_select_applied", conn.dialect.name))}


def migrate(engine: Engine, folder: str = "migrations") -> list[str]:
    """Apply the pending migrations of ``<folder>``; return the versions applied now."""
    dialect = engine.dialect.name
    with engine.begin() as conn:
        _lock(conn)
        conn.execute(query("migrations_create_table", dialect))
    applied_now: list[str] = []
    for version, stem in available_migrations(folder):
        key = f"{folder}/{version}"
        with engine.begin() as conn:
            _lock(conn)
            if key in _applied(conn):
                continue
            for statement in split_statements(load_sql(f"{folder}/{stem}", dialect)):
                conn.exec_driver_sql(statement)
            conn.execute(
                query("migrations_record", dialect),
                {"version": key, "name": stem, "applied_at": datetime.now(UTC).replace(tzinfo=None)},
            )
            applied_now.append(key)
            log.info("Applied CRM migration %s", stem)
    return applied_now


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
