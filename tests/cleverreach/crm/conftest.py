"""The CRM connection with its private state behind a connection of its own (``state_conn_id``)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from cleverreach.hooks.crm import CrmHook


@pytest.fixture
def separate_state(crm_conn, tmp_path, monkeypatch) -> Engine:
    """The CRM connection with ``state_conn_id``: the private state in a SQLite file of its own."""
    monkeypatch.setenv("AIRFLOW_CONN_CLEVERREACH_STATE", json.dumps({"conn_type": "sqlite",
                                                                     "host": str(tmp_path / "state.db")}))
    fields = {**crm_conn, "extra": {**crm_conn.get("extra", {}), "state_conn_id": "cleverreach_state"}}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERSPACE_CRM", json.dumps(fields))
    hook = CrmHook()
    yield hook.engine
    hook.dispose()
