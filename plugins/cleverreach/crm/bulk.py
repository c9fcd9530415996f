"""Bulk writes that bypass per-row round trips: COPY on PostgreSQL, the driver's executemany on SQLite.

psycopg2's executemany sends one statement per row; at 100 000 rows that is most of a sync's time.
Table and column names come from the code, never from input.

A large COPY also refreshes PostgreSQL's statistics of the table (:func:`refresh_statistics`): the statements that
follow a bulk load in the same run (a batch's ``UPDATE ... WHERE run_id = ? AND email IN (...)``, ``DELETE ... WHERE
list_id = ? AND email_key IN (...)``) are planned from them. Without them, a table just filled by a first sync of a
million members looked empty to the planner (or the new list looked small): it chose the index on ``run_id`` or
``list_id`` alone and read a million rows per statement of a thousand keys (0.3 to 0.5 s each, about ten minutes
over a million-member sync). Autovacuum refreshes them too, but only a minute or more later, and not at all where
it is off.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

#: a COPY of fewer rows never refreshes the statistics (a sync's write batch of a thousand intents does not)
ANALYZE_MIN_ROWS = 10_000
#: ... nor one of fewer rows than this share of the rows the statistics count (they still describe the table)
ANALYZE_SHARE = 0.2
#: staging tables' names, unique in the process (a transaction may stage more than one load)
_STAGES = itertools.count()


def replaces_in_place(conn: Connection) -> bool:
    """:func:`bulk_insert` can replace a row of the same primary key itself: SQLite's ``INSERT OR REPLACE``, and on
    PostgreSQL a plain ``COPY`` that falls back to a staged ``INSERT ... ON CONFLICT DO UPDATE`` when a key is there
    (a delete of the rows' keys first cost as much as the insert: a thousand index probes per statement for keys
    that mostly were not there), where the login may create temporary tables (a customer's may not). Elsewhere the
    caller deletes those rows first."""
    if conn.dialect.name == "sqlite":
        return True
    return conn.dialect.name == "postgresql" and _may_stage(conn)


def _may_stage(conn: Connection) -> bool:
    """The login may create temporary tables in this database: asked once per pooled connection."""
    info = conn.connection.info
    if "cleverreach_may_stage" not in info:
        info["cleverreach_may_stage"] = bool(conn.exec_driver_sql(
            "SELECT has_database_privilege(current_database(), 'TEMPORARY')").scalar())
    return bool(info["cleverreach_may_stage"])


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                replace: bool = False, key: Sequence[str] = ()) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) inside the caller's transaction; returns the count.

    ``replace``: a row whose primary key exists replaces it (only where :func:`replaces_in_place`); ``key`` names the
    primary key's columns (PostgreSQL's conflict target) and the rows must not repeat one."""
    if not rows:
        return 0
    if replace and not replaces_in_place(conn):
        raise ValueError(f"{conn.dialect.name}: bulk_insert cannot replace rows in place; delete them first")
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        if replace:
            _copy_or_upsert(conn, table, columns, rows, key)
        else:
            _copy(conn, table, names, rows)
        if len(rows) >= ANALYZE_MIN_ROWS:
            refresh_statistics(conn, table, len(rows))
        return len(rows)
    placeholders = ", ".join("?" for _ in columns)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    conn.exec_driver_sql(f"{verb} INTO {table} ({names}) VALUES ({placeholders})", [tuple(r) for r in rows])
    return len(rows)


def _copy(conn: Connection, table: str, names: str, rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    # csv writes None as an empty unquoted field, which COPY's csv format reads as NULL
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()


def _copy_or_upsert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    key: Sequence[str]) -> None:
    """A plain COPY, in a savepoint: the rows a sync replaces are mostly new (a receiver just created, an intent
    for an address the run has not intended yet), and a COPY costs half of the staged insert. When a row's key is
    there already the COPY fails at once (a key violation) and the rows go through :func:`_upsert`."""
    from psycopg2.errors import UniqueViolation  # PostgreSQL's driver: the extra "postgres"

    if not key or not set(key) <= set(columns):
        raise ValueError(f"a replacing insert into {table} needs its key columns among {list(columns)}")
    try:
        with conn.begin_nested():
            _copy(conn, table, ", ".join(columns), rows)
    except UniqueViolation:
        _upsert(conn, table, columns, rows, key)


def _upsert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], key: Sequence[str]) -> None:
    """COPY into a temporary copy of ``table``'s columns (dropped at commit), then one insert that replaces the rows
    whose ``key`` exists."""
    names = ", ".join(columns)
    stage = f"bulk_stage_{next(_STAGES)}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")
    _copy(conn, stage, names, rows)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name not in key)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} "
                         f"ON CONFLICT ({', '.join(key)}) {conflict}")
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def refresh_statistics(conn: Connection, table: str, copied: int) -> bool:
    """``ANALYZE`` a PostgreSQL ``table`` that ``copied`` rows changed by a large share: never analysed
    (``reltuples`` is -1), or the rows are at least ``ANALYZE_SHARE`` of those its statistics count. It samples at
    most 30,000 rows, so it costs a fraction of a second on any size; a table this login does not own is skipped by
    PostgreSQL with a warning. Returns whether it analysed."""
    known = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(table)s)",
                                 {"table": table}).scalar()
    if known is None or (0 <= known and copied < ANALYZE_SHARE * known):
        return False
    conn.exec_driver_sql(f"ANALYZE {table}")
    return True
