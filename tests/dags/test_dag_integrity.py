"""Every DAG file imports cleanly, parsing touches neither a database nor the network, and each DAG run migrates
the integration's private state once, in its first task, never in a mapped one."""

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
    "cleverreach_webhooks",
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


@pytest.mark.parametrize(("dag_id", "task_id", "alias"), [
    ("cleverreach_sync_mail_history", "load_history", "cleverreach_contact_history"),
    ("cleverreach_sync_recipients", "sync_list", "cleverreach_list_recipients"),
])
def test_the_producing_mapped_tasks_declare_their_asset_alias_at_parse_time(dag_id, task_id, alias):
    """Serialized as the scheduler stores them: a customer's DAG can schedule on the alias before any run."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    bag = DagBag(dag_folder=str(DAGS / f"{dag_id}.py"))
    tasks = {t["__var"]["task_id"]: t["__var"] for t in DagSerialization.serialize_dag(bag.dags[dag_id])["tasks"]}
    assert tasks[task_id]["partial_kwargs"]["outlets"] == [{"__var": {"name": alias, "group": "asset"},
                                                            "__type": "asset_alias"}]

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


# ---------------------------------------------------------------------- the private state: migrated once per run
def _operator_class(task) -> type:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    return task.operator_class if isinstance(task, MappedOperator) else type(task)


def _migrates(task) -> bool:
    """Whether the task applies the migrations: ``migrate_state``, for a mapped task among its partial arguments."""
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    if isinstance(task, MappedOperator):
        return bool(task.partial_kwargs.get("migrate_state"))  # expanded, it is refused when the task runs
    return bool(getattr(task, "migrate_state", False))


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_each_run_migrates_once_in_its_first_task_upstream_of_every_crm_task(dag_id):
    """One task migrates the private state: a root, not mapped, upstream of every task on the CRM; a mapped or later
    task never does (each of a hundred lists' tasks used to take the migration lock)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    from cleverreach.operators.base import CrmOperator

    dag = DagBag(dag_folder=str(DAGS)).dags[dag_id]
    migrating = [t for t in dag.tasks if _migrates(t)]
    assert len(migrating) == 1, f"{dag_id}: tasks that migrate: {[t.task_id for t in migrating]}"
    (first,) = migrating
    assert not isinstance(first, MappedOperator) and not first.upstream_task_ids, f"{dag_id}: {first.task_id} is not a root"
    assert issubclass(_operator_class(first), CrmOperator)
    for task in dag.tasks:
        if issubclass(_operator_class(task), CrmOperator) and task is not first:
            assert first.task_id in task.get_flat_relative_ids(upstream=True), \
                f"{dag_id}: {task.task_id} may start before {first.task_id} migrated the state"


def test_a_run_over_two_lists_migrates_in_its_first_task_only(airflow_db, emulator, crm_engine, monkeypatch):
    """A real run of cleverreach_sync_recipients (a dry run over two lists): resolve_lists migrates, each mapped
    sync_list only checks the applied version."""
    from airflow.sdk import get_current_context
    from helpers.connections import set_cleverreach_connection
    from helpers.crm_seed import add_tenants
    from scripts.airflow_runner import run_dag
    from sqlalchemy import text

    from cleverreach.hooks.crm import CrmHook

    emulator.client.reset({"accounts": [{"client_id": "acme-client", "client_secret": "acme-secret-000111",
                                         "groups": [{"id": "1001", "name": "A", "receivers": []},
                                                    {"id": "1002", "name": "B", "receivers": []}]}]})
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, "acme-client", "acme-secret-000111")
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES "
                          "(1, 'acme', '1001', 'A', CURRENT_TIMESTAMP), (2, 'acme', '1002', 'B', CURRENT_TIMESTAMP)"))
    calls: list[tuple[str, str, int]] = []

    def recording(name):
        original = getattr(CrmHook, name)

        def record(self):
            ti = get_current_context()["ti"]
            calls.append((name, ti.task_id, ti.map_index))
            return original(self)

        return record

    monkeypatch.setattr(CrmHook, "migrate", recording("migrate"))
    monkeypatch.setattr(CrmHook, "check_migrated", recording("check_migrated"))
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "dry_run": True})
    assert result.state == "success", result
    assert result.states("sync_list") == ["success", "success"]
    assert sorted(calls) == [("check_migrated", "sync_list", 0), ("check_migrated", "sync_list", 1),
                             ("migrate", "resolve_lists", -1)]
