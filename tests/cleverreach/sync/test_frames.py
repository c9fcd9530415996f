"""The stores' helpers: keys in chunks for an IN list, a frame read as ``pd.read_sql`` reads it."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import create_engine, text

from cleverreach.sync.frames import chunks, read_frame


def test_chunks_keep_order_and_size():
    assert list(chunks(list(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 2)) == []


def test_a_frame_is_read_as_read_sql_reads_it():
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (a integer, b text, c real)"))
        conn.execute(text("INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, NULL)"))
    with engine.connect() as conn:
        ours = read_frame(conn, text("SELECT a, b, c FROM t WHERE a >= :low ORDER BY a"), {"low": 1})
        theirs = pd.read_sql(text("SELECT a, b, c FROM t WHERE a >= :low ORDER BY a"), conn, params={"low": 1})
        empty = read_frame(conn, text("SELECT a, b FROM t WHERE a > 9"), {})
    pd.testing.assert_frame_equal(ours, theirs)
    assert empty.empty and list(empty.columns) == ["a", "b"]
