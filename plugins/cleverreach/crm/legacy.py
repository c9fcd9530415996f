"""Adopt the private state of a deployment from before the private schema (release 0.1, one migration chain).

Then the integration's tables lived among the CRM's, created by ``migrations/NNNN`` files and recorded in the
CRM schema's ``cleverreach_schema_migration``; one of them (``mail_history_watermark``) had a foreign key into
a CRM table. Adoption moves them where the private state lives now, without losing a row:

- PostgreSQL, state in the same database: each table moves with ``ALTER TABLE … SET SCHEMA`` (its rows,
  indexes and identity sequence go along) after its foreign keys into CRM tables are dropped;
- SQLite, state in the same file: the tables stay; one with a foreign key into the CRM is rebuilt without it;
- state behind its own connection: the rows are copied into the new tables (identity sequences follow) and
  the old tables are left for the DBA to drop (the log and the README name them).

The lists, members and history tables stay where they are: they are the CRM's now. Adoption runs once, by its
own command (``python -m cleverreach.crm.adopt_legacy``, which also applies the migrations) and under the role that
created the old tables; it is recorded as ``legacy/adopted``. Until then ``migrate`` refuses to start
(:func:`refuse_unadopted_legacy`): a task must not build a fresh state beside the old one.
The DDL here is built from catalogue names (tables and constraints), never from input, which is why it is
not kept in SQL files.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, inspect, text

from cleverreach.clock import utcnow
from cleverreach.crm.bulk import bulk_insert
from cleverreach.crm.sql import query
from cleverreach.crm.state import state_schema_of, state_table
from cleverreach.exceptions import CleverReachConfigError

log = logging.getLogger(__name__)

LEGACY_TABLES = ("sync_run", "sync_change", "sync_owned_receiver", "sync_refusal", "mail_history_watermark",
                 "mail_history_mailing", "cleverreach_tenant_grant", "cleverreach_login_check",
                 "cleverreach_tenant_account")
"""The private tables of the old chain, parents before children (sync_change references sync_run)."""
LEGACY_MIGRATION_TABLE = "cleverreach_schema_migration"
REQUIRED_LEGACY = tuple(f"migrations/{v}" for v in ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008",
                                                   "0009", "0010", "0011", "0012", "0014", "0015", "0017"))
"""The old chain in full: a deployment behind it runs the previous release once before upgrading."""
ADOPTED = "legacy/adopted"
ADOPT_COMMAND = "python -m cleverreach.crm.adopt_legacy"
IDENTITY_TABLES = ("sync_run", "sync_change")
_CHUNK = 10_000


@dataclass
class Adoption:
    """What is left after the new chain created the tables: rows to copy and the record of the adoption."""

    crm: Engine
    state: Engine
    copy: list[tuple[str, str]] = field(default_factory=list)  # (source table as named on the CRM side, table)
    drop_after_copy: bool = False  # the sources are renamed copies in the state's own file (SQLite)

    def finish(self) -> list[str]:
        same = _same_database(self.crm, self.state)
        with self.state.begin() as target, (nullcontext(target) if same else self.crm.connect()) as source:
            for source_name, table in self.copy:
                _copy_rows(source, target, source_name, state_table(self.state, table))
                if self.drop_after_copy:
                    target.exec_driver_sql(f"DROP TABLE {source_name}")
            if self.state.dialect.name == "postgresql":
                for table in IDENTITY_TABLES:
                    name = state_table(self.state, table)
                    target.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) "
                                        f"FROM {name} HAVING max(id) IS NOT NULL"))
            target.execute(query("migrations_record", self.state.dialect.name, state_schema_of(self.state)),
                           {"version": ADOPTED, "name": "adopted the private state of release 0.1",
                            "applied_at": utcnow()})
        if not same and self.copy:
            log.warning("Adopted the old private tables into the state connection; the CRM still holds the old "
                        "copies, which a DBA may drop: %s", ", ".join(source for source, _ in self.copy))
        return [ADOPTED]


class LegacyStateError(CleverReachConfigError):
    """The CRM still holds the private tables of release 0.1, not yet adopted."""


def _copy_rows(source: Connection, target: Connection, source_name: str, target_name: str) -> None:
    columns = [c["name"] for c in inspect(source).get_columns(source_name.rpartition(".")[2],
                                                              schema=source_name.rpartition(".")[0] or None)]
    result = source.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {source_name}")
    while rows := result.fetchmany(_CHUNK):
        bulk_insert(target, target_name, columns, [tuple(row) for row in rows])


def _legacy_versions(conn: Connection, schema: str | None) -> set[str]:
    if not inspect(conn).has_table(LEGACY_MIGRATION_TABLE, schema=schema):
        return set()
    name = f"{schema}.{LEGACY_MIGRATION_TABLE}" if schema else LEGACY_MIGRATION_TABLE
    return {row[0] for row in conn.exec_driver_sql(f"SELECT version FROM {name}")}


def _same_database(crm: Engine, state: Engine) -> bool:
    return crm is state or crm.url == state.url


def _external_foreign_keys(conn: Connection, table: str, schema: str | None) -> list[dict]:
    """The table's foreign keys into tables that are not private (the CRM's)."""
    return [fk for fk in inspect(conn).get_foreign_keys(table, schema=schema) if fk["referred_table"] not in LEGACY_TABLES]


def _adopted(state: Engine) -> bool:
    with state.connect() as conn:
        return ADOPTED in _legacy_versions(conn, state_schema_of(state))


def _crm_schema(conn: Connection) -> str | None:
    return inspect(conn).default_schema_name if conn.dialect.name == "postgresql" else None


def refuse_unadopted_legacy(crm: Engine, state: Engine) -> None:
    """Raise :class:`LegacyStateError` when the CRM holds the private tables of release 0.1 and they are not
    adopted yet; changes nothing."""
    if _adopted(state):
        return
    with crm.connect() as conn:
        if any(v.startswith("migrations/") for v in _legacy_versions(conn, _crm_schema(conn))):
            raise LegacyStateError(
                "the CRM holds the integration's tables of release 0.1, not yet adopted into the private state: "
                f"run `{ADOPT_COMMAND}` once (as the database role that created them; it adopts every row and "
                "applies the migrations); nothing was changed")


def adopt_legacy_state(crm: Engine, state: Engine) -> Adoption | None:
    """Move an old deployment's private tables (see the module's docstring); None when there is nothing to adopt."""
    state_schema = state_schema_of(state)
    if _adopted(state):
        return None
    with crm.connect() as conn:
        crm_schema = _crm_schema(conn)
        versions = _legacy_versions(conn, crm_schema)
        if not any(v.startswith("migrations/") for v in versions):
            return None
        missing = [v for v in REQUIRED_LEGACY if v not in versions]
        if missing:
            raise CleverReachConfigError(
                f"the CRM holds the integration's tables of release 0.1 without its migrations {', '.join(missing)}: "
                "run any DAG of release 0.1 once (it applies them), then upgrade")
        present = [t for t in LEGACY_TABLES if inspect(conn).has_table(t, schema=crm_schema)]
    if not _same_database(crm, state):
        qualified = [(f"{crm_schema}.{t}" if crm_schema else t, t) for t in present]
        return Adoption(crm, state, copy=qualified)
    if state.dialect.name == "sqlite":
        return _rebuild_sqlite(crm, state, present)
    with state.begin() as conn:
        for table in present:
            for fk in _external_foreign_keys(conn, table, crm_schema):
                conn.exec_driver_sql(f'ALTER TABLE {crm_schema}.{table} DROP CONSTRAINT "{fk["name"]}"')
            if crm_schema != state_schema:
                conn.exec_driver_sql(f"ALTER TABLE {crm_schema}.{table} SET SCHEMA {state_schema}")
        if crm_schema != state_schema:
            conn.exec_driver_sql(f"ALTER TABLE {crm_schema}.{LEGACY_MIGRATION_TABLE} SET SCHEMA {state_schema}")
    log.info("Moved the private tables of release 0.1 from schema %s to %s", crm_schema, state_schema)
    return Adoption(crm, state)


def _rebuild_sqlite(crm: Engine, state: Engine, present: Sequence[str]) -> Adoption:
    """SQLite cannot drop a foreign key: a table with one into the CRM is renamed, recreated by the chain, refilled."""
    rebuilt: list[tuple[str, str]] = []
    with state.begin() as conn:
        for table in present:
            if _external_foreign_keys(conn, table, None):
                legacy = f"cleverreach_legacy_{table}"
                conn.exec_driver_sql(f"ALTER TABLE {table} RENAME TO {legacy}")
                rebuilt.append((legacy, table))
    return Adoption(crm, state, copy=rebuilt, drop_after_copy=True)

