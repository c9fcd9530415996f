"""``[cleverreach] tenant_scope_default`` on a run's first task (``check_run_scope``), through Airflow.

``dag.test`` records the triggering user as Airflow does for every manual run (its name is ``dag_test``): under
``none`` that user, without a tenant grant, gets a failed first task with the refusal and nothing is read from or
written to CleverReach; under ``all`` (the default) the same run syncs; with a grant it syncs under ``none`` too.
"""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.access import TenantGrantStore
from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-scope-default"
SYNC = "cleverreach_sync_recipients"
DAG_TEST_USER = "dag_test"  # the triggering user Airflow's dag.test records


@pytest.fixture
def acme(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "attributes": [{"name": "ext_id", "type": "text"}],
                                         "groups": [{"id": "1001", "name": "Newsletter", "receivers": []}]}]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [{"id": 1, "tenant_id": "acme", "email": "anna@example.org", "first_name": "Anna"}])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))
    add_members(crm_engine, 1, [1])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET)
    emulator.client.clear_requests()
    return emulator


def cleverreach_calls(emulator) -> list[str]:
    return [e["path"] for e in emulator.client.requests() if e["path"].startswith(("/v3", "/oauth"))]


def test_under_none_a_run_by_a_user_without_grants_fails_its_first_task_and_touches_nothing(acme, crm_engine,
                                                                                           monkeypatch, capfd):
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT", "none")
    refused = run_dag(SYNC, {"tenant": "acme", "list_id": 1})
    assert refused.state == "failed", refused.task_states
    assert refused.task_states["resolve_lists"] == ["failed"], refused.task_states
    assert "sync_list" not in refused.task_states or set(refused.task_states["sync_list"]) <= {"upstream_failed", "None"}
    assert f"Refused: user {DAG_TEST_USER!r} has no tenant grant" in "".join(capfd.readouterr())
    assert not cleverreach_calls(acme) and acme.client.group_receivers("1001") == []
    assert fetch(crm_engine, "SELECT sync_state FROM recipient_list_member") == [{"sync_state": "pending"}]

    TenantGrantStore(crm_engine).grant(DAG_TEST_USER, "acme", Actor.user("admin"))  # granted: it runs
    granted = run_dag(SYNC, {"tenant": "acme", "list_id": 1})
    assert granted.state == "success", granted.task_states
    assert [r["email"] for r in acme.client.group_receivers("1001")] == ["anna@example.org"]


def test_under_all_the_same_run_without_grants_syncs(acme, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT", "all")
    result = run_dag(SYNC, {"tenant": "acme", "list_id": 1})
    assert result.state == "success", result.task_states
    assert [r["email"] for r in acme.client.group_receivers("1001")] == ["anna@example.org"]
