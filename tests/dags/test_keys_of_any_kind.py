"""Keys of any kind through Airflow (issue 17): contact ids above 2^31 synced, numeric-looking tenant ids ("1",
"0042") through the per-tenant DAGs without losing their text (map index, connection id, XCom)."""

from __future__ import annotations

import pytest
from helpers.api_check_account import CLIENT_ID as CHECK_CLIENT, FAST, SECRET as CHECK_SECRET, TEST_EMAILS, seed
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from helpers.erasure import erase
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "keys-client", "keys-secret-000111"
GROUP = "1001"
BIG = 5_000_000_001  # above 2^31 and 2^32: a 64-bit key


def map_indexes(dag_id: str, run_id: str, task_id: str) -> list[str | None]:
    """The rendered map index of each mapped task instance of the run (what the grid shows)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskInstance.rendered_map_index).filter(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id, TaskInstance.task_id == task_id
        ).order_by(TaskInstance.map_index).all()
    return [row[0] for row in rows]


def _account(receivers: list[dict] | None = None) -> dict:
    return {"accounts": [{"client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
                          "groups": [{"id": GROUP, "name": "Newsletter", "receivers": receivers or []}]}]}


def _bigint_contacts(engine) -> None:
    """The demo's contact_person.id is 32-bit on PostgreSQL: a CRM with 64-bit keys has bigint columns."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table, column in (("contact_person", "id"), ("recipient_list_member", "contact_person_id"),
                              ("contact_history", "contact_person_id")):
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bigint")


def test_contacts_above_2_31_sync_for_tenant_0042_and_a_rerun_changes_nothing(emulator, crm_engine, monkeypatch):
    emulator.client.reset(_account([{"email": "old@example.org", "global_attributes": {"ext_id": str(BIG + 9)}}]))
    migrate(crm_engine)
    _bigint_contacts(crm_engine)
    add_tenants(crm_engine, {"id": "0042", "name": "Zero-padded GmbH"})
    ids = [BIG, BIG + 1, 2**31 + 5]
    add_contacts(crm_engine, [{"id": cid, "tenant_id": "0042", "email": f"c{n}@example.org", "first_name": f"N{n}"}
                              for n, cid in enumerate(ids)])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, '0042', :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"g": GROUP})
    add_members(crm_engine, 1, ids)
    set_cleverreach_connection(monkeypatch, "cleverreach_0042", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1)

    result = run_dag("cleverreach_sync_recipients", {"tenant": "0042", "list_id": 1})
    assert result.state == "success", result
    (summary,) = result.returns["sync_list"]
    assert (summary["tenant_id"], summary["list_id"], summary["added"], summary["rejected"]) == ("0042", "1", 3, 0)
    assert map_indexes("cleverreach_sync_recipients", result.run_id, "sync_list") == ["0042/1"]
    remote = {r["email"]: (r.get("global_attributes") or {}).get("ext_id") for r in emulator.client.group_receivers(GROUP)}
    assert {remote[f"c{n}@example.org"] for n in range(3)} == {str(cid) for cid in ids}  # the ext_id: the key's text
    members = {r["contact_person_id"]: r["sync_state"] for r in fetch(crm_engine, "SELECT * FROM recipient_list_member")}
    assert members == {cid: "synced" for cid in ids}
    owned = {r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM sync_owned_receiver")}
    assert owned == {str(cid) for cid in ids}
    planned = {r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM sync_change")}
    assert planned == {str(cid) for cid in ids}

    writes = emulator.client.counters()["writes"]
    again = run_dag("cleverreach_sync_recipients", {"tenant": "0042", "list_id": "1"})  # a list key given as text
    assert again.state == "success", again
    (summary,) = again.returns["sync_list"]
    assert (summary["added"], summary["updated"], summary["removed"], summary["unchanged"]) == (0, 0, 0, 3)
    assert emulator.client.counters()["writes"] == writes


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)
@pytest.mark.parametrize("tenant", ["1", "0042"])
def test_numeric_looking_tenants_run_import_history_and_erasure(tenant, emulator, crm_engine, monkeypatch):
    """Each per-tenant DAG: its mapped task succeeds (no map-index crash after the work), is labelled with the
    tenant's text, uses the connection ``cleverreach_<tenant>`` and hands the tenant on as text."""
    emulator.client.reset(_account())
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": tenant, "name": "Numeric"})
    add_contacts(crm_engine, [{"id": BIG, "tenant_id": tenant, "email": "erase.me@example.org"}])
    set_cleverreach_connection(monkeypatch, f"cleverreach_{tenant}", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1)

    imported = run_dag("cleverreach_import_lists", {"tenant": tenant})
    assert imported.state == "success", imported
    assert map_indexes("cleverreach_import_lists", imported.run_id, "import_lists") == [tenant]
    assert imported.returns["import_lists"][0]["tenant_id"] == tenant
    assert fetch(crm_engine, "SELECT tenant_id, external_id FROM recipient_list") == [{"tenant_id": tenant, "external_id": GROUP}]

    history = run_dag("cleverreach_sync_mail_history", {"tenant": tenant})
    assert history.state == "success", history
    assert map_indexes("cleverreach_sync_mail_history", history.run_id, "load_history") == [tenant]
    assert history.returns["load_history"][0]["tenant_id"] == tenant

    erased = erase(crm_engine, tenant, contact_ids=[BIG])
    assert erased.state == "success", erased
    assert map_indexes("cleverreach_erase_contact", erased.run_id, "erase") == [tenant]
    assert erased.returns["erase"][0]["contacts"] == 1


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)
def test_the_api_check_of_tenant_1(emulator, crm_engine, monkeypatch):
    emulator.client.reset(seed())
    set_cleverreach_connection(monkeypatch, "cleverreach_1", emulator.url, CHECK_CLIENT, CHECK_SECRET, **FAST)
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "1", "name": "One"})
    result = run_dag("cleverreach_api_check", {"tenant": "1", "test_emails": TEST_EMAILS})
    assert result.state == "success", result
    assert map_indexes("cleverreach_api_check", result.run_id, "check_api") == ["1"]
    (table,) = result.returns["check_api"]
    assert {row["result"] for row in table} == {"holds"}, table
