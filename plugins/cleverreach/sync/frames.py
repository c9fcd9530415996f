"""Two helpers of the sync's stores: keys in chunks for an ``IN`` list, and a frame read from the driver's rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, TextClause

from cleverreach.sync.columnar import COLUMNAR_MIN_ROWS, read_large_columnar

CHUNK = 1000  # ids per IN list
ROWS_PER_READ = 50_000  # rows fetched and typed at a time by read_frame


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """``values`` in lists of at most ``size``: a statement's ``IN`` list stays short on every database."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def read_frame(conn: Connection, statement: TextClause, params: dict[str, Any], *,
               rows_per_read: int = ROWS_PER_READ, columnar: bool = False,
               columnar_min_rows: int = COLUMNAR_MIN_ROWS) -> pd.DataFrame:
    """What ``pd.read_sql`` returns (the same conversion: ``from_records`` with ``coerce_float``), from the
    driver's plain tuples: pandas converts SQLAlchemy's row objects one by one, a third of a million-row read.

    The rows are fetched and typed ``rows_per_read`` at a time: a million rows as Python tuples and strings
    cost three times the typed frame, and only one chunk of them lives at once (:func:`_concat`). psycopg's plain
    cursor receives the whole result before the first fetch (libpq held a million members' rows, 300 MB, beside
    the frame being built), so on PostgreSQL the rows come through a named (server-side) cursor, a chunk per
    round trip (:func:`_server_side`).

    ``columnar``: a whole list's read (a million rows) goes through the database's ADBC driver where it can and
    the planner expects at least ``columnar_min_rows`` rows (``sync.columnar``), on a connection of its own."""
    if columnar and (frame := read_large_columnar(conn, statement, params, columnar_min_rows)) is not None:
        return frame
    if conn.dialect.driver in SERVER_SIDE_DRIVERS:
        with _server_side(conn, statement, params) as cursor:
            return _frame(cursor, lambda: [column[0] for column in cursor.description], rows_per_read)
    result = conn.execute(statement, params)
    try:
        columns = list(result.keys())
        return _frame(result.cursor, lambda: columns, rows_per_read)
    finally:
        result.close()


#: drivers whose named cursor is a server-side one (psycopg2 and psycopg 3: ``connection.cursor(name=...)``)
SERVER_SIDE_DRIVERS = frozenset({"psycopg2", "psycopg"})
_CURSOR_NAMES = itertools.count(1)


@contextmanager
def _server_side(conn: Connection, statement: TextClause, params: dict[str, Any]) -> Iterator[Any]:
    """A named cursor on ``conn``'s own DBAPI connection (its transaction, its snapshot), executing ``statement``
    as SQLAlchemy renders it for the driver: list parameters expanded, the values as given (the stores bind plain
    integers and texts, which no type of theirs processes). SQLAlchemy's own ``stream_results`` reads the same
    cursor through its row objects: three times the time and twice the memory of the plain read."""
    expanded = statement.compile(dialect=conn.dialect).construct_expanded_state(params)
    cursor = conn.connection.dbapi_connection.cursor(name=f"cleverreach_read_{next(_CURSOR_NAMES)}")
    try:
        cursor.execute(expanded.statement, expanded.parameters)
        yield cursor
    finally:
        cursor.close()


def _frame(cursor: Any, columns: Callable[[], list[str]], rows_per_read: int) -> pd.DataFrame:
    """The cursor's rows as one frame (``columns`` once the first rows are fetched: a named cursor describes its
    result only then)."""
    parts: list[pd.DataFrame] = []
    while cursor is not None and (rows := cursor.fetchmany(rows_per_read)):
        parts.append(pd.DataFrame.from_records(rows, columns=columns(), coerce_float=True))
    if not parts:
        return pd.DataFrame.from_records([], columns=columns(), coerce_float=True)
    return parts[0] if len(parts) == 1 else _concat(parts, columns())


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The chunks as one frame typed as one read of all its rows: a column typed alike in every chunk is joined
    as it is; one typed differently (a chunk of NULLs only, integers with and without NULL) is typed again from
    all its values, the way ``from_records`` types a column."""
    mixed = [name for name in columns if len({str(part[name].dtype) for part in parts}) > 1]
    frame = pd.concat([part.drop(columns=mixed) for part in parts] if mixed else parts, ignore_index=True)
    for name in mixed:
        values = np.concatenate([part[name].to_numpy(dtype=object) for part in parts])
        frame[name] = pd.DataFrame.from_records(list(zip(values)), columns=[name], coerce_float=True)[name]
    return frame[columns]
