"""A long IN list bound through the driver: the same rows and the same stored values as SQLAlchemy's expansion."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import Integer, Text, bindparam, text

from cleverreach.crm.in_list import execute_in


@pytest.fixture
def table(crm_engine):
    with crm_engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS in_list_probe"))
        conn.execute(text("CREATE TABLE in_list_probe (k text PRIMARY KEY, n integer, l text, ts timestamp NULL)"))
        conn.execute(text("INSERT INTO in_list_probe (k, n, l) VALUES ('a', 1, 'x'), ('b', 2, 'x'), ('c', 3, 'y'), "
                          "('50%', 4, 'x'), ('d:e', 5, 'x')"))
    yield crm_engine
    with crm_engine.begin() as conn:
        conn.execute(text("DROP TABLE in_list_probe"))


def stamps(engine) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT k, ts FROM in_list_probe ORDER BY k")).all())


UPDATE = text("UPDATE in_list_probe SET ts = :ts WHERE l = :l AND k IN :keys AND k NOT LIKE 'zz%'")


def test_the_list_and_the_other_parameters_bind_as_sqlalchemy_binds_them(table):
    now = datetime(2026, 12, 6, 11, 1, 52, 158859, tzinfo=timezone.utc)
    with table.begin() as conn:
        # the % of a LIKE and of a key, a colon inside a value: nothing is taken for a parameter
        assert execute_in(conn, UPDATE, {"ts": now, "l": "x"}, "keys", ["a", "c", "50%", "d:e", "nobody"], Text) == 3
    ours = stamps(table)
    with table.begin() as conn:
        conn.execute(text("UPDATE in_list_probe SET ts = NULL"))
        conn.execute(UPDATE.bindparams(bindparam("keys", expanding=True, type_=Text)),
                     {"ts": now, "l": "x", "keys": ["a", "c", "50%", "d:e", "nobody"]})
    assert ours == stamps(table)  # the same rows, the same stored time
    assert [k for k, ts in ours.items() if ts is not None] == ["50%", "a", "d:e"]


def test_integer_keys_an_empty_list_and_a_missing_parameter(table):
    with table.begin() as conn:
        delete = text("DELETE FROM in_list_probe WHERE n IN :numbers")
        assert execute_in(conn, delete, {}, "numbers", [], Integer) == 0  # nothing runs
        assert execute_in(conn, delete, {}, "numbers", [1, 3, 99], Integer) == 2
        with pytest.raises(ValueError, match=":keys"):
            execute_in(conn, delete, {}, "keys", [1], Integer)
    assert sorted(stamps(table)) == ["50%", "b", "d:e"]
