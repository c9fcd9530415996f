"""The tenant lifecycle through Airflow: a rename, then the renamed tenant's sync reuses its ownership and adds
nothing twice; a move, then the import and the sync work in the new account and leave its other receivers alone."""

from __future__ import annotations

import pytest
from helpers.audit import audit_events, run_actor
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

DAG_ID, SYNC, IMPORT = "cleverreach_tenant_admin", "cleverreach_sync_recipients", "cleverreach_import_lists"
OLD_ACCOUNT, NEW_ACCOUNT = ("acme-client", "acme-secret-1111"), ("beta-client", "beta-secret-2222")
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}


def account(credentials, groups) -> dict:
    return {"client_id": credentials[0], "client_secret": credentials[1],
            "attributes": [{"name": "ext_id", "type": "text"}], "groups": groups}


def seed_crm(engine, tenant_id: str) -> None:
    migrate(engine)
    add_tenants(engine, {"id": tenant_id, "name": "ACME"})
    add_addresses(engine, [{"id": 10, "tenant_id": tenant_id, "name": "Apotheke"}])
    add_contacts(engine, [{"id": i, "tenant_id": tenant_id, "address_id": 10, "email": f"p{i}@acme.example"}
                          for i in (1, 2)])


def import_and_sync(engine, tenant_id: str) -> str:
    assert run_dag(IMPORT, {"tenant": tenant_id}).state == "success"
    (row,) = fetch(engine, "SELECT id FROM recipient_list")
    add_members(engine, row["id"], [1, 2])
    synced = run_dag(SYNC, {"tenant": tenant_id})
    assert synced.state == "success", synced
    return str(row["id"])  # a list key, as the summaries carry it


def members(engine) -> dict:
    return {r["contact_person_id"]: r["sync_state"] for r in fetch(engine, "SELECT * FROM recipient_list_member")}


def owned(engine) -> set:
    return {(str(r["group_id"]), r["email_key"]) for r in fetch(engine, "SELECT * FROM sync_owned_receiver")}


def test_rename_then_the_renamed_tenants_sync_reuses_its_ownership(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [account(OLD_ACCOUNT, [
        {"id": "1001", "name": "News", "receivers": [{"email": "form@example.org"}]}])]})
    seed_crm(crm_engine, "hs1")
    for conn_id in ("cleverreach_hs1", "cleverreach_hs-one"):  # the renamed tenant's connection logs into the same account
        set_cleverreach_connection(monkeypatch, conn_id, emulator.url, *OLD_ACCOUNT, **FAST)
    list_id = import_and_sync(crm_engine, "hs1")
    assert len(emulator.client.group_receivers("1001")) == 3 and len(owned(crm_engine)) == 2

    with crm_engine.begin() as conn:  # the CRM re-keys tenant hs1 as "hs-one"
        conn.execute(text("INSERT INTO tenant (id, name, active) VALUES ('hs-one', 'ACME', true)"))
        for table in ("address", "contact_person", "recipient_list"):
            conn.execute(text(f"UPDATE {table} SET tenant_id = 'hs-one' WHERE tenant_id = 'hs1'"))
        conn.execute(text("DELETE FROM tenant WHERE id = 'hs1'"))
    refused = run_dag(SYNC, {"tenant": "hs-one"})
    assert refused.state == "failed"  # "logs into the account that tenant 'hs1' uses": what the customer found

    wrong = run_dag(DAG_ID, {"action": "rename", "tenant": "hs1", "new_tenant_id": "hs-one", "confirm": "hs-one"})
    assert wrong.state == "failed" and wrong.states("tenant_admin") == ["failed"]  # confirm repeats the old id
    renamed = run_dag(DAG_ID, {"action": "rename", "tenant": "hs1", "new_tenant_id": "hs-one", "confirm": "hs1"})
    assert renamed.state == "success", renamed
    (report,) = renamed.returns["tenant_admin"]
    assert report["changed"] and report["rows"]["sync_run"] == 1 and report["rows"]["cleverreach_tenant_account"] == 1
    assert {r["tenant_id"] for r in fetch(crm_engine, "SELECT tenant_id FROM sync_run")} == {"hs-one"}
    (event,) = audit_events(crm_engine, "tenant_")
    assert (event["tenant_id"], event["action"], event["actor"]) == ("hs-one", "tenant_renamed", run_actor(DAG_ID, renamed.run_id))
    assert {e["tenant_id"] for e in audit_events(crm_engine)} == {"hs-one"}  # the old events read under the new id

    synced = run_dag(SYNC, {"tenant": "hs-one"})
    assert synced.state == "success", synced
    (result,) = synced.returns["sync_list"]
    assert result["added"] == 0 and result["unchanged"] == 2, result  # nothing twice: its ownership is reused
    assert len(emulator.client.group_receivers("1001")) == 3 and len(owned(crm_engine)) == 2
    assert members(crm_engine) == {1: "synced", 2: "synced"}

    again = run_dag(DAG_ID, {"action": "rename", "tenant": "hs1", "new_tenant_id": "hs-one", "confirm": "hs1"})
    assert again.state == "success" and again.returns["tenant_admin"][0]["changed"] is False  # a retry converges
    assert len(audit_events(crm_engine, "tenant_")) == 1 and list_id


def test_move_then_the_sync_adds_the_members_to_the_new_accounts_group_only(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [account(OLD_ACCOUNT, [{"id": "1001", "name": "News"}]), account(NEW_ACCOUNT, [])]})
    seed_crm(crm_engine, "acme")
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, *OLD_ACCOUNT, **FAST)
    list_id = import_and_sync(crm_engine, "acme")
    assert {r["email"] for r in emulator.client.group_receivers("1001")} == {"p1@acme.example", "p2@acme.example"}

    # The tenant moves: its connection logs into the new account, to which CleverReach moved group 1001 (without
    # the receivers the integration had created); the new account's own receiver claims contact 2 by its ext_id.
    foreign = {"email": "form@example.org", "global_attributes": {"ext_id": "2"}}
    emulator.client.reset({"accounts": [account(OLD_ACCOUNT, []), account(NEW_ACCOUNT, [
        {"id": "1001", "name": "News", "receivers": [foreign]}, {"id": "2002", "name": "Other"}])]})
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, *NEW_ACCOUNT, **FAST)

    moved = run_dag(DAG_ID, {"action": "move", "tenant": "acme", "confirm": "acme"})
    assert moved.state == "success", moved
    (report,) = moved.returns["tenant_admin"]
    assert report["lists_marked_gone"] == 1 and report["members_pending"] == 2 and report["owned_receivers"] == 2
    assert members(crm_engine) == {1: "pending", 2: "pending"} and owned(crm_engine) == set()
    assert fetch(crm_engine, "SELECT * FROM cleverreach_tenant_account") == []
    assert [e["action"] for e in audit_events(crm_engine)][-2:] == ["list_gone", "tenant_moved"]

    emulator.client.clear_requests()
    imported = run_dag(IMPORT, {"tenant": "acme"})
    assert imported.state == "success", imported
    assert imported.returns["import_lists"][0]["revived"] == 1 and imported.returns["import_lists"][0]["created"] == 1
    synced = run_dag(SYNC, {"tenant": "acme"})
    assert synced.state == "success", synced
    by_list = {r["list_id"]: r for r in synced.returns["sync_list"]}
    assert by_list[list_id]["added"] == 2, by_list

    receivers = {r["email"]: r for r in emulator.client.group_receivers("1001")}
    assert set(receivers) == {"p1@acme.example", "p2@acme.example", "form@example.org"}
    assert receivers["form@example.org"]["global_attributes"].get("ext_id") == "2"  # not ours: untouched
    assert {r["email"] for r in emulator.client.group_receivers("1001") if r.get("deactivated")} == set()
    assert owned(crm_engine) == {("1001", "p1@acme.example"), ("1001", "p2@acme.example")}
    assert members(crm_engine) == {1: "synced", 2: "synced"}
    assert [a["tenant_id"] for a in fetch(crm_engine, "SELECT * FROM cleverreach_tenant_account")] == ["acme"]
    assert {e["client_id"] for e in emulator.client.requests() if e["path"].startswith("/v3/")} == {NEW_ACCOUNT[0]}


def test_a_move_is_refused_while_a_sync_runs(emulator, crm_engine, monkeypatch):
    seed_crm(crm_engine, "acme")
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_run (tenant_id, list_id, dag_id, run_id, started_at, heartbeat_at, status) "
                          "VALUES ('acme', 5, 'd', 'r', :now, :now, 'running')"), {"now": __import__("cleverreach.clock").clock.utcnow()})
    refused = run_dag(DAG_ID, {"action": "move", "tenant": "acme", "confirm": "acme"})
    assert refused.state == "failed" and refused.states("tenant_admin") == ["failed"]
    assert audit_events(crm_engine, "tenant_") == []
