"""Bulk writes that bypass per-row round trips: COPY on PostgreSQL, the driver's executemany on SQLite.

psycopg2's executemany sends one statement per row; at 100 000 rows that is most of a sync's time.
Table and column names come from the code, never from input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection


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
        return len(rows)
    placeholders = ", ".join("?" for _ in columns)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    conn.exec_driver_sql(f"{verb} INTO {table} ({names}) VALUES ({placeholders})", [tuple(r) for r in rows])
    return len(rows)
