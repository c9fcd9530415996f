"""Two helpers of the sync's stores: keys in chunks for an ``IN`` list, and a frame read from the driver's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, TextClause

CHUNK = 1000  # ids per IN list


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """``values`` in lists of at most ``size``: a statement's ``IN`` list stays short on every database."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def read_frame(conn: Connection, statement: TextClause, params: dict[str, Any]) -> pd.DataFrame:
    """What ``pd.read_sql`` returns (the same conversion: ``from_records`` with ``coerce_float``), from the
    driver's plain tuples: pandas converts SQLAlchemy's row objects one by one, a third of a million-row read."""
    result = conn.execute(statement, params)
    try:
        columns = list(result.keys())
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
