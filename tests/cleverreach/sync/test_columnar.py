"""Large reads through PostgreSQL's ADBC driver: the frame ``pd.read_sql`` makes of the same rows, or ``None`` (and
the usual read)."""

from __future__ import annotations

import random
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from sqlalchemy import Text, bindparam, create_engine, text

from cleverreach.sync import columnar
from cleverreach.sync.columnar import (UTC_OPTION, adbc_source, libpq_uri, planned_rows, read_columnar,
                                       with_values_written_in)
from cleverreach.sync.frames import read_frame
from helpers.typed_rows import random_rows


@pytest.mark.postgres
def test_a_columnar_read_is_typed_as_read_sql_types_it(crm_engine):
    """Whole numbers with and without NULLs, a column of NULLs only, texts that look like numbers, booleans, times
    with and without a zone, dates, a list parameter (empty too): the same frame as ``pd.read_sql``'s."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's driver")
    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE wide (k integer, i smallint, s text, f real, d timestamp, b boolean, "
                          "t timestamp with time zone, day date)"))
    query = text("SELECT k, i, s, f, d, b, t, day FROM wide WHERE k >= :low AND (s IN :names OR k >= 0) ORDER BY k"
                 ).bindparams(bindparam("names", expanding=True, type_=Text))
    rnd = random.Random(11)
    for trial in range(20):
        rows = random_rows(rnd, trial, null_share=0.9, wide=True)
        with crm_engine.begin() as conn:
            conn.execute(text("DELETE FROM wide"))
            conn.execute(text("INSERT INTO wide VALUES (:k, :i, :s, :f, :d, :b, :t, :day)"), rows)
        for names in (["a", "1"], []):
            params = {"low": 0, "names": names}
            ours = read_columnar(crm_engine, query, params)
            assert ours is not None
            with crm_engine.connect() as conn:
                theirs = pd.read_sql(query, conn, params=params)
            pd.testing.assert_frame_equal(ours, theirs)
    with crm_engine.connect() as conn:
        nothing = read_frame(conn, text("SELECT k, s FROM wide WHERE k < 0"), {}, columnar=True)
    assert nothing.empty and list(nothing.columns) == ["k", "s"]


def test_sqlite_is_read_the_usual_way_as_its_driver_types_a_column_by_its_values(tmp_path):
    """SQLite's ADBC driver would turn a column of numbers and texts (keys of two types) into texts only; the read
    goes the usual way and keeps each value's type, as ``pd.read_sql`` does."""
    engine = create_engine(f"sqlite:///{tmp_path / 'mixed.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE mixed (k)"))
        conn.execute(text("INSERT INTO mixed VALUES (:k)"), [{"k": 7}, {"k": "c-8"}])
    query = text("SELECT k FROM mixed ORDER BY rowid")
    assert adbc_source(engine) is None and read_columnar(engine, query, {}) is None
    with engine.connect() as conn:
        ours = read_frame(conn, query, {}, columnar=True)
        pd.testing.assert_frame_equal(ours, pd.read_sql(query, conn))
    assert ours["k"].tolist() == [7, "c-8"]


@pytest.mark.postgres
def test_postgresql_types_that_convert_differently_are_read_the_usual_way(crm_engine):
    """``numeric`` (psycopg2: ``Decimal``) and ``uuid`` (text): the usual read, not the driver's own types."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL types")
    for expression in ("1.5::numeric", "'6f1c2a1e-3c1b-4c55-9b7e-0d2f7b0b6a11'::uuid"):
        assert read_columnar(crm_engine, text(f"SELECT {expression} AS v"), {}) is None
        with crm_engine.connect() as conn:
            ours = read_frame(conn, text(f"SELECT {expression} AS v"), {}, columnar=True)
            pd.testing.assert_frame_equal(ours, pd.read_sql(text(f"SELECT {expression} AS v"), conn))


@pytest.mark.postgres
def test_a_postgresql_session_is_set_as_the_engine_sets_its_own(crm_engine):
    """The connection's ``options`` (the test CRM's search path) and UTC as the session's zone."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL sessions")
    frame = read_columnar(crm_engine, text("SELECT current_setting('TimeZone') AS zone, "
                                           "current_setting('search_path') AS path"), {})
    with crm_engine.connect() as conn:
        path = conn.execute(text("SELECT current_setting('search_path')")).scalar()
    assert frame is not None and frame.to_dict("records") == [{"zone": "UTC", "path": path}]


def test_databases_it_cannot_reach_the_same_way_are_read_the_usual_way(monkeypatch):
    """A PostgreSQL URL with an argument libpq does not take, and PostgreSQL without the driver installed."""
    assert adbc_source(create_engine("postgresql+psycopg2://u@h/db?keepalives_idle=5&foo=bar")) is None
    engine = create_engine("postgresql+psycopg2://u:p@h:5433/db?sslmode=require&options=-csearch_path%3Dcrm")
    assert adbc_source(engine) is not None
    monkeypatch.setattr(columnar, "_driver", lambda module: None)
    assert adbc_source(engine) is None


def test_a_libpq_uri_keeps_every_part_as_given():
    """A socket directory as host, a password with URI characters, the connection's options before UTC."""
    uri = libpq_uri("crm user", "p@ss/w:rd?&=%", "/var/run/postgresql", 5433, "crm",
                    {"sslmode": "require", "options": "-csearch_path=crm,crm_state"})
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == ("postgresql", "", "/")
    assert "+" not in parts.query  # libpq reads "+" as itself
    assert _keywords(uri) == {
        "host": "/var/run/postgresql", "port": "5433", "user": "crm user", "password": "p@ss/w:rd?&=%",
        "dbname": "crm", "sslmode": "require",
        "options": "-csearch_path=crm,crm_state -c TimeZone=UTC -c standard_conforming_strings=on",
    }
    assert _keywords(libpq_uri(None, None, "db", None, "crm", {})) == {"host": "db", "dbname": "crm",
                                                                       "options": UTC_OPTION}


def _keywords(uri: str) -> dict[str, str]:
    """A libpq URI's query as libpq reads it (percent escapes only)."""
    return {unquote(key): unquote(value) for key, value in (pair.split("=", 1) for pair in urlsplit(uri).query.split("&"))}


@pytest.mark.postgres
def test_a_whole_list_read_on_postgresql_goes_through_the_driver_not_sqlalchemy(crm_engine):
    """``read_frame(columnar=True)`` (the members, the ownership record) reads by ADBC: no statement goes through
    SQLAlchemy's cursor, and the frame is the usual read's."""
    from sqlalchemy import event

    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's driver")
    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE listed (k integer, s text)"))
        conn.execute(text("INSERT INTO listed VALUES (:k, :s)"), [{"k": k, "s": f"s{k}"} for k in range(5)])
    query = text("SELECT k, s FROM listed WHERE k >= :low ORDER BY k")
    seen: list[str] = []

    def plain(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(crm_engine, "before_cursor_execute", plain)
    try:
        with crm_engine.connect() as conn:
            ours = read_frame(conn, query, {"low": 1}, columnar=True, columnar_min_rows=0)
    finally:
        event.remove(crm_engine, "before_cursor_execute", plain)
    assert not [statement for statement in seen if "listed" in statement]
    with crm_engine.connect() as conn:
        pd.testing.assert_frame_equal(ours, read_frame(conn, query, {"low": 1}))
    assert ours["k"].tolist() == [1, 2, 3, 4]


@pytest.mark.postgres
def test_only_a_read_the_planner_expects_to_be_long_goes_through_the_driver(crm_engine, monkeypatch):
    """The driver's own connection costs more than psycopg2's rows of a small list: a list of 30 of 30,000 rows
    is read the usual way, one of 29,970 by ADBC, as the planner estimates them from the table's statistics; both
    frames are the usual read's."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's driver")
    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE member (list_id integer, k integer, s text)"))
        conn.execute(text("INSERT INTO member SELECT CASE WHEN g <= 30 THEN 1 ELSE 2 END, g, 'n' || g "
                          "FROM generate_series(1, 30000) AS g"))
        conn.execute(text("ANALYZE member"))
    query = text("SELECT k, s FROM member WHERE list_id = :list_id ORDER BY k")
    columnar_reads: list[int] = []
    real_read = columnar._read
    monkeypatch.setattr(columnar, "_read", lambda source, statement, params: columnar_reads.append(params["list_id"])
                        or real_read(source, statement, params))
    with crm_engine.connect() as conn:
        assert planned_rows(conn, query, {"list_id": 1}) < 100 < 20_000 < planned_rows(conn, query, {"list_id": 2})
        small = read_frame(conn, query, {"list_id": 1}, columnar=True, columnar_min_rows=20_000)
        large = read_frame(conn, query, {"list_id": 2}, columnar=True, columnar_min_rows=20_000)
        assert columnar_reads == [2]
        pd.testing.assert_frame_equal(small, read_frame(conn, query, {"list_id": 1}))
        pd.testing.assert_frame_equal(large, read_frame(conn, query, {"list_id": 2}))
    assert len(small) == 30 and len(large) == 29_970


#: values a list, group or tenant key may hold, written into the statement for the driver's COPY
AWKWARD_TEXTS = ["o'brien", "back\\slash", "100%", "$1", "?", ":name", "\u00e4\u00df\u20ac", "-- not a comment",
                 "'; DROP TABLE keyed; --", "0042", "1e3", " ", ""]


@pytest.mark.postgres
def test_values_written_into_the_statement_select_exactly_what_bound_values_select(crm_engine):
    """The driver streams a statement without parameters by COPY, so the values are written in: quotes, backslashes,
    percent signs, placeholders, texts that look like numbers, an empty IN list and a statement ending in a comment
    select the same rows as the same values bound by psycopg2."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's driver")
    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE keyed (k integer, s text)"))
        conn.execute(text("INSERT INTO keyed VALUES (:k, :s)"), [{"k": k, "s": s} for k, s in enumerate(AWKWARD_TEXTS)])
    one = text("SELECT k, s FROM keyed WHERE s = :s AND k >= :low ORDER BY k -- the last line a comment")
    many = text("SELECT k, s FROM keyed WHERE s IN :names ORDER BY k").bindparams(
        bindparam("names", expanding=True, type_=Text))
    dialect = adbc_source(crm_engine)[1]
    for value in AWKWARD_TEXTS:
        assert with_values_written_in(one, {"s": value, "low": 0}, dialect) is not None
        ours = read_columnar(crm_engine, one, {"s": value, "low": 0})
        with crm_engine.connect() as conn:
            theirs = pd.read_sql(one, conn, params={"s": value, "low": 0})
        pd.testing.assert_frame_equal(ours, theirs)
        assert ours["s"].tolist() == [value]
    for names in (AWKWARD_TEXTS[:5], AWKWARD_TEXTS[5:], []):
        ours = read_columnar(crm_engine, many, {"names": names})
        with crm_engine.connect() as conn:
            theirs = pd.read_sql(many, conn, params={"names": names})
        pd.testing.assert_frame_equal(ours, theirs)
        assert sorted(ours["s"].tolist()) == sorted(names)


def test_values_that_are_not_keys_are_bound_not_written_in():
    """Only whole numbers, texts and NULL are written in; anything else (a float, a time, bytes, a text with a NUL)
    leaves the statement to bound parameters."""
    import datetime

    from sqlalchemy.dialects.postgresql.base import PGDialect

    dialect = PGDialect(paramstyle="numeric_dollar")
    query = text("SELECT k FROM keyed WHERE k = :v")
    assert with_values_written_in(query, {"v": 7}, dialect) == "SELECT k FROM keyed WHERE k = 7\n"
    for value in (1.5, True, datetime.date(2026, 12, 7), b"x", "a\x00b"):
        assert with_values_written_in(query, {"v": value}, dialect) is None


@pytest.mark.postgres
def test_a_long_read_is_streamed_in_batches_not_received_whole(crm_engine, monkeypatch):
    """A read of 200,000 rows arrives as several Arrow batches (COPY, read a batch at a time), not as one
    result libpq held whole, and is the usual read's frame."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's driver")
    with crm_engine.begin() as conn:
        conn.execute(text("CREATE TABLE long_list (list_id integer, k integer, s text)"))
        conn.execute(text("INSERT INTO long_list SELECT 1, g, repeat('x', 80) || g FROM generate_series(1, 200000) AS g"))
    query = text("SELECT k, s FROM long_list WHERE list_id = :list_id ORDER BY k")
    batches: list[int] = []
    real = columnar.arrow_to_frame
    monkeypatch.setattr(columnar, "arrow_to_frame", lambda table: batches.append(len(table.to_batches())) or real(table))
    ours = read_columnar(crm_engine, query, {"list_id": 1})
    assert batches and batches[0] > 1
    with crm_engine.connect() as conn:
        pd.testing.assert_frame_equal(ours, read_frame(conn, query, {"list_id": 1}))
