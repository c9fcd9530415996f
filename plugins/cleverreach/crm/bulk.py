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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

#: a COPY of fewer rows never refreshes the statistics (a sync's write batch of a thousand intents does not)
ANALYZE_MIN_ROWS = 10_000
#: ... nor one of fewer rows than this share of the rows the statistics count (they still describe the table)
ANALYZE_SHARE = 0.2


def replaces_in_place(conn: Connection) -> bool:
    """:func:`bulk_insert` can replace a row of the same primary key itself (SQLite's ``INSERT OR REPLACE``);
    elsewhere (``COPY``) the caller deletes those rows first."""
    return conn.dialect.name == "sqlite"


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                replace: bool = False) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) inside the caller's transaction; returns the count.
    ``replace``: a row whose primary key exists replaces it (only where :func:`replaces_in_place`)."""
    if not rows:
        return 0
    if replace and not replaces_in_place(conn):
        raise ValueError(f"{conn.dialect.name}: bulk_insert cannot replace rows in place; delete them first")
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        buffer = io.StringIO()
        # csv writes None as an empty unquoted field, which COPY's csv format reads as NULL
        csv.writer(buffer).writerows(rows)
        buffer.seek(0)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
        finally:
            cursor.close()
        if len(rows) >= ANALYZE_MIN_ROWS:
            refresh_statistics(conn, table, len(rows))
        return len(rows)
    placeholders = ", ".join("?" for _ in columns)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    conn.exec_driver_sql(f"{verb} INTO {table} ({names}) VALUES ({placeholders})", [tuple(r) for r in rows])
    return len(rows)


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
