"""Every DAG file imports cleanly, and parsing touches neither a database nor the network."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
EXPECTED = {
    "cleverreach_import_lists",
    "cleverreach_manage_members",
    "cleverreach_sync_recipients",
    "cleverreach_sync_mail_history",
    "cleverreach_api_check",
    "cleverreach_check_crm",
    "cleverreach_erase_contact",
    "cleverreach_tenant_admin",
}


@pytest.fixture
def no_io_at_parse(monkeypatch):
    """Make any socket connection or database connection during parsing fail loudly.

    Airflow itself is imported first: its own start-up configures the metadata ORM, which is not
    DAG parsing.
    """
    import airflow.dag_processing.dagbag  # noqa: F401
    import cleverreach.hooks.crm

    calls: list[str] = []

    def forbid(name):
        def _raise(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} called while parsing DAGs")

        return _raise

    monkeypatch.setattr(socket.socket, "connect", forbid("socket.connect"))
    monkeypatch.setattr(socket, "create_connection", forbid("socket.create_connection"))
    monkeypatch.setattr(sqlite3, "connect", forbid("sqlite3.connect"))
    monkeypatch.setattr(cleverreach.hooks.crm, "create_engine", forbid("CRM create_engine"))
    import requests

    monkeypatch.setattr(requests.Session, "request", forbid("requests"))
    return calls


def test_dagbag_imports_without_errors_and_without_io(no_io_at_parse):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    assert EXPECTED == set(bag.dag_ids)
    assert no_io_at_parse == []


def test_dags_follow_project_conventions():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    for dag_id in EXPECTED:
        dag = bag.dags[dag_id]
        assert "cleverreach" in dag.tags
        assert dag.catchup is False
        assert "tenant" in dag.params
        assert dag.doc_md


def test_parsing_does_not_import_heavy_modules():
    """The DAG processor parses every file every 30 s: pandas and the emulator load only in tasks."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'cleverreach_emulator', 'fastapi') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_only_the_admin_role_may_use_the_tenant_admin_dag():
    from airflow.dag_processing.dagbag import DagBag

    from cleverreach.access import ROLE_ADMIN, ROLES

    bag = DagBag(dag_folder=str(DAGS))
    assert set(bag.dags["cleverreach_tenant_admin"].access_control) == {ROLE_ADMIN}
    assert set(bag.dags["cleverreach_sync_recipients"].access_control) == set(ROLES)


def test_only_the_admin_role_may_trigger_or_read_the_erase_contact_dag():
    """Erasure is an admin's right (issue 18): an editor must not trigger it through the REST API, and
    neither editors nor viewers read its runs (as with the other admin-only DAG, cleverreach_tenant_admin)."""
    from airflow.dag_processing.dagbag import DagBag

    from cleverreach.access import ROLE_ADMIN, RUN_DAG

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.dags["cleverreach_erase_contact"].access_control == {ROLE_ADMIN: RUN_DAG}
