"""Two helpers of the sync's stores: keys in chunks for an ``IN`` list, and a frame read from the driver's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, TextClause

CHUNK = 1000  # ids per IN list
ROWS_PER_READ = 50_000  # rows fetched and typed at a time by read_frame


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """``values`` in lists of at most ``size``: a statement's ``IN`` list stays short on every database."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def read_frame(conn: Connection, statement: TextClause, params: dict[str, Any], *,
               rows_per_read: int = ROWS_PER_READ) -> pd.DataFrame:
    """What ``pd.read_sql`` returns (the same conversion: ``from_records`` with ``coerce_float``), from the
    driver's plain tuples: pandas converts SQLAlchemy's row objects one by one, a third of a million-row read.

    The rows are fetched and typed ``rows_per_read`` at a time: a million rows as Python tuples and strings
    cost three times the typed frame, and only one chunk of them lives at once (:func:`_concat`). Where the
    driver would otherwise receive the whole result before the first row is fetched (psycopg2: libpq holds every
    row of a million in the client), the rows come through a server-side cursor, a chunk per round trip."""
    parts: list[pd.DataFrame] = []
    if conn.dialect.supports_server_side_cursors:
        result = conn.execute(statement, params, execution_options={"yield_per": rows_per_read})
        try:
            columns = list(result.keys())
            for rows in result.partitions():  # SQLAlchemy's rows: its buffer holds the cursor's first row
                parts.append(pd.DataFrame.from_records([row._tuple() for row in rows], columns=columns, coerce_float=True))
        finally:
            result.close()
    else:
        result = conn.execute(statement, params)
        try:
            columns = list(result.keys())
            cursor = result.cursor
            while cursor is not None and (rows := cursor.fetchmany(rows_per_read)):
                parts.append(pd.DataFrame.from_records(rows, columns=columns, coerce_float=True))
        finally:
            result.close()
    if not parts:
        return pd.DataFrame.from_records([], columns=columns, coerce_float=True)
    return parts[0] if len(parts) == 1 else _concat(parts, columns)


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
