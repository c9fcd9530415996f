"""The stores' helpers: keys in chunks for an IN list, a frame read as ``pd.read_sql`` reads it (also in chunks)."""

from __future__ import annotations

import random

import pandas as pd
from sqlalchemy import create_engine, text

from cleverreach.sync.frames import chunks, read_frame
from helpers.typed_rows import random_rows


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


def test_a_frame_read_in_chunks_is_typed_as_one_read(crm_engine):
    """Chunks of NULLs only, integers with and without NULLs, booleans, timestamps: read a row at a time or a
    few, the frame has the types and values of one read of all rows (and of ``pd.read_sql``)."""
    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE chunked (k integer, i integer, s text, f real, d timestamp, b boolean)"))
    query = text("SELECT k, i, s, f, d, b FROM chunked ORDER BY k")
    rnd = random.Random(7)
    for trial in range(30):
        rows = random_rows(rnd, trial)
        with crm_engine.begin() as conn:
            conn.execute(text("DELETE FROM chunked"))
            conn.execute(text("INSERT INTO chunked VALUES (:k, :i, :s, :f, :d, :b)"), rows)
        with crm_engine.connect() as conn:
            whole = read_frame(conn, query, {}, rows_per_read=1000)
            pd.testing.assert_frame_equal(whole, pd.read_sql(query, conn))
            for size in (1, 2, 5):
                pd.testing.assert_frame_equal(read_frame(conn, query, {}, rows_per_read=size), whole)


def test_a_read_from_postgresql_streams_through_a_named_cursor(crm_engine):
    """psycopg2 receives a plain cursor's whole result before the first fetch (libpq holds every row in the client:
    a million members' rows at once); on PostgreSQL the read goes through a named (server-side) cursor of its own
    instead, a chunk per fetch, with its parameters (a list among them, empty too) and every row, and closes it.
    SQLite's cursor streams by itself: its rows are read through SQLAlchemy's plain cursor."""
    from sqlalchemy import Text, bindparam, event

    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE streamed (k integer, s text)"))
        conn.execute(text("INSERT INTO streamed VALUES (:k, :s)"), [{"k": k, "s": f"s{k}"} for k in range(7)])
    plain: list[str] = []  # statements through SQLAlchemy's cursor

    def seen(_conn, _cursor, statement, *_args):
        plain.append(statement)

    event.listen(crm_engine, "before_cursor_execute", seen)
    query = text("SELECT k, s FROM streamed WHERE k >= :low AND s IN :names ORDER BY k").bindparams(
        bindparam("names", expanding=True, type_=Text))
    try:
        with crm_engine.connect() as conn:
            frame = read_frame(conn, query, {"low": 1, "names": ["s1", "s2", "s4", "s6"], "unused": 0}, rows_per_read=3)
            none = read_frame(conn, query, {"low": 1, "names": []})
            on_server = conn.exec_driver_sql("SELECT count(*) FROM pg_cursors").scalar() if conn.dialect.name == "postgresql" else 0
    finally:
        event.remove(crm_engine, "before_cursor_execute", seen)
    assert frame["k"].tolist() == [1, 2, 4, 6] and frame["s"].tolist() == ["s1", "s2", "s4", "s6"]
    assert none.empty and list(none.columns) == ["k", "s"]
    reads = [s for s in plain if "FROM streamed" in s]
    assert len(reads) == (0 if crm_engine.dialect.name == "postgresql" else 2), reads
    assert on_server == 0  # the named cursors are closed
