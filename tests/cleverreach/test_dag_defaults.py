"""The concurrency limits the DAGs read from the config when they are parsed: the API pool and tenant parallelism."""

from __future__ import annotations

import pytest

from cleverreach.dag_defaults import API_POOL, api_pool, tenant_parallelism

MAPPED_API_TASKS = {
    "cleverreach_import_lists": "import_lists",
    "cleverreach_sync_recipients": "sync_list",
    "cleverreach_sync_mail_history": "load_history",
}


def test_defaults_without_config(monkeypatch):
    monkeypatch.delenv("AIRFLOW__CLEVERREACH__API_POOL", raising=False)
    monkeypatch.delenv("AIRFLOW__CLEVERREACH__TENANT_PARALLELISM", raising=False)
    assert api_pool() == API_POOL == "cleverreach_api"
    assert tenant_parallelism() is None


@pytest.mark.parametrize("dag_id", sorted(MAPPED_API_TASKS))
def test_mapped_api_tasks_take_the_pool_and_the_parallelism_from_the_config(monkeypatch, dag_id):
    from scripts.airflow_runner import get_dag

    monkeypatch.setenv("AIRFLOW__CLEVERREACH__API_POOL", "crm_api_limited")
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__TENANT_PARALLELISM", "3")
    dag = get_dag(dag_id)
    mapped = dag.get_task(MAPPED_API_TASKS[dag_id])
    assert mapped.pool == "crm_api_limited"
    assert mapped.max_active_tis_per_dagrun == 3
    others = [t for t in dag.tasks if t.task_id != mapped.task_id]
    assert others and {t.pool for t in others} == {"default_pool"}  # resolving and summing up call no API


def test_unmapped_cleverreach_operators_default_to_the_pool():
    from cleverreach.operators.api_check import CleverReachApiCheckOperator
    from cleverreach.operators.sync_recipients import CleverReachSyncListOperator

    sync = CleverReachSyncListOperator(task_id="s", tenant_id="a", cleverreach_conn_id="c", list_id=1)
    check = CleverReachApiCheckOperator(task_id="c", tenant_id="a", cleverreach_conn_id="c", test_emails=["x@example.org"])
    assert sync.pool == check.pool == API_POOL
    assert CleverReachSyncListOperator(task_id="t", tenant_id="a", cleverreach_conn_id="c", list_id=1, pool="p").pool == "p"
