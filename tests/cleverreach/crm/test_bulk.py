"""Bulk inserts: COPY on PostgreSQL, executemany on SQLite; a replacing insert only where the database does it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cleverreach.crm.bulk import bulk_insert, replaces_in_place


@pytest.fixture
def table(crm_engine):
    with crm_engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bulk_probe"))
        conn.execute(text("CREATE TABLE bulk_probe (k text PRIMARY KEY, v text NULL)"))
    yield crm_engine
    with crm_engine.begin() as conn:
        conn.execute(text("DROP TABLE bulk_probe"))


def rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT k, v FROM bulk_probe ORDER BY k"))]


def test_rows_go_in_with_nulls_and_text_that_looks_like_csv(table):
    with table.begin() as conn:
        assert bulk_insert(conn, "bulk_probe", ["k", "v"], [("a", None), ("b", 'x, "y"\nz'), ("c", "")]) == 3
        assert bulk_insert(conn, "bulk_probe", ["k", "v"], []) == 0
    assert rows(table)[:2] == [("a", None), ("b", 'x, "y"\nz')]


def test_a_replacing_insert_replaces_the_row_of_the_same_key(table):
    """SQLite replaces in its insert; PostgreSQL stages the rows and inserts them ``ON CONFLICT`` (twice in one
    transaction here: each load its own staging table)."""
    with table.begin() as conn:
        bulk_insert(conn, "bulk_probe", ["k", "v"], [("a", "old"), ("b", "kept")])
    with table.begin() as conn:
        assert replaces_in_place(conn)
        bulk_insert(conn, "bulk_probe", ["k", "v"], [("a", "new"), ("c", "added")], replace=True, key=["k"])
        bulk_insert(conn, "bulk_probe", ["k", "v"], [("c", "again"), ("d", None)], replace=True, key=["k"])
    assert rows(table) == [("a", "new"), ("b", "kept"), ("c", "again"), ("d", None)]
    with table.begin() as conn, pytest.raises(ValueError, match="key columns"):
        if conn.dialect.name != "postgresql":
            raise ValueError("key columns: SQLite's replace needs none")
        bulk_insert(conn, "bulk_probe", ["k", "v"], [("a", "x")], replace=True)


def test_a_login_that_may_not_create_temporary_tables_is_told_to_delete_first(table):
    """A customer's PostgreSQL login may lack the TEMPORARY privilege: the replacing insert is not offered, and the
    caller deletes the rows' keys before a plain COPY (as ``ListState.save_owned`` does). A database of its own: the
    privilege is revoked from PUBLIC for the whole database."""
    import os

    from sqlalchemy import create_engine

    if table.dialect.name != "postgresql":
        pytest.skip("the TEMPORARY privilege is PostgreSQL's")
    name = f"cr_bulk_no_temp_{os.getpid()}"
    admin = create_engine(table.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
        conn.exec_driver_sql(f"REVOKE TEMPORARY ON DATABASE {name} FROM PUBLIC")
    owner = create_engine(table.url.set(database=name, query={}))
    with owner.begin() as conn:  # the table is the login's to write, the database not its own
        conn.exec_driver_sql("CREATE TABLE bulk_probe (k text PRIMARY KEY, v text NULL)")
        conn.exec_driver_sql(f"GRANT ALL ON bulk_probe TO {name}")
    owner.dispose()
    limited = create_engine(table.url.set(username=name, database=name, query={}))
    try:
        with limited.begin() as conn:
            assert not replaces_in_place(conn)
            with pytest.raises(ValueError, match="delete them first"):
                bulk_insert(conn, "bulk_probe", ["k", "v"], [("a", "new")], replace=True, key=["k"])
            assert bulk_insert(conn, "bulk_probe", ["k", "v"], [("a", "plain")]) == 1
        assert rows(limited) == [("a", "plain")]
    finally:
        limited.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        admin.dispose()


def test_a_large_copy_refreshes_the_statistics_the_next_statements_are_planned_from(table):
    """PostgreSQL: a table filled by a large COPY is analysed at once (a table never analysed is planned as if empty),
    a small COPY or one small beside the table's known rows is not; elsewhere nothing is analysed."""
    from cleverreach.crm.bulk import ANALYZE_MIN_ROWS, refresh_statistics

    def known(conn) -> float:
        return conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass('bulk_probe')").scalar()

    with table.begin() as conn:
        if conn.dialect.name != "postgresql":
            pytest.skip("statistics are refreshed on PostgreSQL only")
        bulk_insert(conn, "bulk_probe", ["k", "v"], [(f"k{i}", None) for i in range(ANALYZE_MIN_ROWS - 1)])
        assert known(conn) == -1  # below the minimum: never analysed
        bulk_insert(conn, "bulk_probe", ["k", "v"], [(f"m{i}", None) for i in range(ANALYZE_MIN_ROWS)])
        assert known(conn) == 2 * ANALYZE_MIN_ROWS - 1  # analysed: every row counted (a sample of 30,000 is all)
        assert not refresh_statistics(conn, "bulk_probe", 2_000)  # a tenth of the known rows: left as they are
        assert refresh_statistics(conn, "bulk_probe", 4_000)  # a fifth: analysed
        assert not refresh_statistics(conn, "no_such_table", 50_000)
