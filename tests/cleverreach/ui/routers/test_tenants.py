"""The tenant lifecycle on the page: admins only, within their tenant grants, audited as the user; refusals are 409."""

from __future__ import annotations

import json

from sqlalchemy import text

from cleverreach.clock import utcnow
from cleverreach.tenants.lifecycle_store import TenantLifecycleStore


def test_an_admin_moves_a_tenant_and_the_audit_names_them(page):
    resp = page.post("/tenants/a/move", json={"confirm": "a"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["lists_marked_gone"] == 1 and resp.json()["members_pending"] == 50  # 40 synced, 10 rejected
    (event,) = page.rows("SELECT * FROM audit_event WHERE action = 'tenant_moved'")
    assert (event["tenant_id"], event["actor"]) == ("a", "user:admin")
    assert json.loads(event["detail"])["lists"] == 1
    assert page.get("/tenants/a/audit").json()["rows"][0]["action"] == "tenant_moved"


def test_an_admin_renames_a_tenant_id_the_crm_renamed(page):
    with page.engine.begin() as conn:  # the CRM re-keyed b as "beta"; "b" had a login check on the page
        conn.execute(text("INSERT INTO tenant (id, name, active) VALUES ('beta', 'Beta', true)"))
        for table in ("address", "contact_person", "recipient_list"):
            conn.execute(text(f"UPDATE {table} SET tenant_id = 'beta' WHERE tenant_id = 'b'"))
        conn.execute(text("DELETE FROM tenant WHERE id = 'b'"))
    assert page.post("/access/grants", json={"username": "viewer", "tenant_id": "beta"}).status_code == 201
    with page.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {TenantLifecycleStore(page.engine).state_table('cleverreach_login_check')} "
                          "(tenant_id, checked_at, ok) VALUES ('b', :now, true)"), {"now": utcnow()})
    bad = page.post("/tenants/b/rename", json={"new_tenant_id": "beta", "confirm": "beta"})
    assert bad.status_code == 409 and "confirm must repeat the tenant id 'b'" in bad.json()["detail"]
    resp = page.post("/tenants/b/rename", json={"new_tenant_id": "beta", "confirm": "b"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows"]["cleverreach_login_check"] == 1
    assert [e["action"] for e in page.get("/tenants/beta/audit").json()["rows"]][:1] == ["tenant_renamed"]
    assert page.post("/tenants/b/rename", json={"new_tenant_id": "beta", "confirm": "b"}).json()["changed"] is False


def test_editors_and_viewers_may_not_and_admins_only_within_their_grants(page):
    for user in ("editor", "viewer", "op"):
        assert page.post("/tenants/a/move", user=user, json={"confirm": "a"}).status_code == 403
        assert page.post("/tenants/a/rename", user=user, json={"new_tenant_id": "c", "confirm": "a"}).status_code == 403
    assert page.post("/access/grants", json={"username": "admin", "tenant_id": "a"}).status_code == 201
    assert page.post("/tenants/b/move", json={"confirm": "b"}).status_code == 403  # outside the admin's grants
    assert page.post("/tenants/b/rename", json={"new_tenant_id": "a", "confirm": "b"}).status_code == 403
    assert page.post("/tenants/a/rename", json={"new_tenant_id": "b", "confirm": "a"}).status_code == 403  # NEW too
    assert page.rows("SELECT * FROM audit_event WHERE action LIKE 'tenant_%'") == []


def test_a_move_during_a_sync_and_a_rename_into_existing_state_are_refused(page):
    store = TenantLifecycleStore(page.engine)
    with page.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {store.state_table('sync_run')} (tenant_id, list_id, dag_id, run_id, started_at, "
                          "heartbeat_at, status) VALUES ('a', 1, 'd', 'r', :now, :now, 'running')"), {"now": utcnow()})
    resp = page.post("/tenants/a/move", json={"confirm": "a"})
    assert resp.status_code == 409 and "has a running sync" in resp.json()["detail"]
    with page.engine.begin() as conn:  # the CRM drops "b"; its private state may not be renamed into "a" (has runs)
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 2"))
        conn.execute(text("DELETE FROM recipient_list WHERE tenant_id = 'b'"))
        conn.execute(text("DELETE FROM contact_person WHERE tenant_id = 'b'"))
        conn.execute(text("DELETE FROM address WHERE tenant_id = 'b'"))
        conn.execute(text("DELETE FROM tenant WHERE id = 'b'"))
        conn.execute(text(f"INSERT INTO {store.state_table('sync_run')} (tenant_id, list_id, dag_id, run_id, started_at, "
                          "status) VALUES ('b', 2, 'd', 'r2', :now, 'success')"), {"now": utcnow()})
    resp = page.post("/tenants/b/rename", json={"new_tenant_id": "a", "confirm": "b"})
    assert resp.status_code == 409 and "'a' already has private state of its own (sync_run: 1)" in resp.json()["detail"]
