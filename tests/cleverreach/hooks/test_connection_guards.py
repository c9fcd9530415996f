"""Connection guards: a CleverReach account only through a `cleverreach` connection; SQL errors without parameters."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cleverreach.exceptions import CleverReachConfigError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.hooks.crm import CrmHook


def test_a_connection_of_another_type_is_refused(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_NOT_CR", json.dumps(
        {"conn_type": "http", "host": "https://rest.cleverreach.com", "login": "id", "password": "secret"}))
    with pytest.raises(CleverReachConfigError, match="has type 'http', not 'cleverreach'"):
        CleverReachHook("not_cr").validate_login()


def test_sql_errors_never_carry_bound_parameters(crm_conn):
    hook = CrmHook()
    try:
        with hook.engine.begin() as conn:
            conn.execute(text("INSERT INTO tenant (id, name) VALUES (:id, :name)"), {"id": "t1", "name": "Anna Secret"})
        with pytest.raises(IntegrityError) as info, hook.engine.begin() as conn:
            conn.execute(text("INSERT INTO tenant (id, name) VALUES (:id, :name)"), {"id": "t1", "name": "Anna Secret"})
        assert "Anna Secret" not in str(info.value)
        assert "hidden due to hide_parameters" in str(info.value)
    finally:
        hook.dispose()
