"""Every endpoint: Airflow's login (401/403), then the right (403), then the tenant scope (403)."""

from __future__ import annotations

import pytest

ENDPOINTS = [
    ("GET", "/me", None), ("GET", "/tenants", None), ("POST", "/tenants/a/login-check", None),
    ("GET", "/tenants/a/lists", None), ("GET", "/tenants/a/lists/1", None),
    ("PUT", "/tenants/a/lists/1", {"name": "x"}), ("PUT", "/tenants/a/lists/1/translations/en", {"name": "x"}),
    ("DELETE", "/tenants/a/lists/1/translations/en", None), ("GET", "/tenants/a/lists/1/members", None),
    ("POST", "/tenants/a/lists/1/members/remove", {"contact_ids": [1]}),
    ("POST", "/tenants/a/lists/1/members/remove-rejected", None),
    ("GET", "/tenants/a/lists/1/recipients/vocabulary", None),
    ("POST", "/tenants/a/lists/1/recipients/preview", {"letter": "A"}),
    ("POST", "/tenants/a/lists/1/recipients/add", {"letter": "A"}),
    ("GET", "/tenants/a/lists/1/sync/runs", None), ("GET", "/tenants/a/lists/1/sync/runs/1", None),
    ("POST", "/tenants/a/lists/1/sync", {"dry_run": True}), ("POST", "/tenants/a/lists/1/sync/approve", {"sync_run_id": 1}),
    ("GET", "/tenants/a/contacts/1/history", None), ("GET", "/tenants/a/audit", None), ("GET", "/access/grants", None),
    ("POST", "/access/grants", {"username": "x", "tenant_id": "a"}), ("DELETE", "/access/grants/x/a", None),
    ("POST", "/tenants/a/rename", {"new_tenant_id": "c", "confirm": "a"}), ("POST", "/tenants/a/move", {"confirm": "a"}),
]
WRITES = {  # endpoint → the right it needs (viewer has none of them)
    ("POST", "/tenants/a/login-check"): "run_syncs", ("PUT", "/tenants/a/lists/1"): "manage_lists",
    ("PUT", "/tenants/a/lists/1/translations/en"): "manage_lists",
    ("DELETE", "/tenants/a/lists/1/translations/en"): "manage_lists",
    ("POST", "/tenants/a/lists/1/members/remove"): "manage_lists",
    ("POST", "/tenants/a/lists/1/members/remove-rejected"): "manage_lists",
    ("POST", "/tenants/a/lists/1/recipients/preview"): "manage_lists",
    ("POST", "/tenants/a/lists/1/recipients/add"): "manage_lists", ("POST", "/tenants/a/lists/1/sync"): "run_syncs",
    ("POST", "/tenants/a/lists/1/sync/approve"): "approve_mass_removal", ("GET", "/access/grants"): "administer",
    ("POST", "/access/grants"): "administer", ("DELETE", "/access/grants/x/a"): "administer",
    ("POST", "/tenants/a/rename"): "administer", ("POST", "/tenants/a/move"): "administer",
}


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_every_endpoint_refuses_an_anonymous_request(page, method, path, body):
    resp = page.call(method, path, user=None, json=body)
    assert resp.status_code == 401, resp.text


def test_a_forged_token_is_refused(page):
    resp = page.client.get("/cleverreach/api/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert resp.status_code == 403


def test_the_ui_session_cookie_is_the_same_login(page):
    page.client.cookies.set("_token", page.token("viewer"))
    try:
        resp = page.client.get("/cleverreach/api/me")
    finally:
        page.client.cookies.clear()
    assert resp.status_code == 200
    assert resp.json()["user"] == "viewer"


@pytest.mark.parametrize(("method", "path", "body"), [e for e in ENDPOINTS if (e[0], e[1]) in WRITES],
                         ids=[f"{m} {p}" for m, p, _ in ENDPOINTS if (m, p) in WRITES])
def test_a_viewer_can_change_nothing(page, method, path, body):
    resp = page.call(method, path, user="viewer", json=body)
    assert resp.status_code == 403, resp.text
    assert WRITES[(method, path)] in resp.json()["detail"]


def test_rights_follow_the_simple_auth_manager_roles(page):
    rights = {user: set(page.get("/me", user=user).json()["permissions"]) for user in ("viewer", "editor", "op", "admin")}
    assert rights["viewer"] == {"view"}
    assert rights["editor"] == {"view", "manage_lists", "run_syncs"}
    assert rights["op"] == rights["editor"] | {"approve_mass_removal"}
    assert rights["admin"] == rights["op"] | {"administer"}


def test_an_editor_cannot_approve_a_mass_removal(page):
    resp = page.post("/tenants/a/lists/1/sync/approve", user="editor", json={"sync_run_id": 1})
    assert resp.status_code == 403
    assert "approve_mass_removal" in resp.json()["detail"]


def test_a_user_limited_to_a_tenant_neither_sees_nor_changes_another(page):
    assert page.post("/access/grants", json={"username": "editor", "tenant_id": "a"}).status_code == 201
    assert page.get("/me", user="editor").json()["tenants"] == ["a"]
    assert [t["id"] for t in page.get("/tenants", user="editor").json()] == ["a"]
    for method, path, body in [("GET", "/tenants/b/lists", None), ("GET", "/tenants/b/lists/2", None),
                               ("GET", "/tenants/b/lists/2/members", None), ("PUT", "/tenants/b/lists/2", {"name": "x"}),
                               ("POST", "/tenants/b/lists/2/sync", {"dry_run": True}),
                               ("GET", "/tenants/b/contacts/100/history", None), ("GET", "/tenants/b/audit", None)]:
        resp = page.call(method, path, user="editor", json=body)
        assert resp.status_code == 403, (method, path, resp.text)
        assert "may not act on tenant 'b'" in resp.json()["detail"]
    assert page.get("/tenants/a/lists/1", user="editor").status_code == 200
    assert page.rows("SELECT name FROM recipient_list WHERE id = 2")[0]["name"] == "Beta news"


def test_another_tenants_list_under_ones_own_tenant_reads_as_missing(page):
    resp = page.get("/tenants/a/lists/2")
    assert resp.status_code == 404
    assert "does not exist for tenant 'a'" in resp.json()["detail"]


def test_grants_are_administered_by_admins_and_the_last_one_needs_lift_limit(page):
    assert page.post("/access/grants", json={"username": "editor", "tenant_id": "a"}).status_code == 201
    assert page.post("/access/grants", json={"username": "editor", "tenant_id": "b"}).status_code == 201
    assert page.post("/access/grants", json={"username": "editor", "tenant_id": "zz"}).status_code == 404
    assert page.post("/access/grants", json={"username": "", "tenant_id": "a"}).status_code == 422
    assert page.post("/access/grants", json={"username": "x", "tenant_id": "a b"}).status_code == 422
    assert page.delete("/access/grants/editor/b").status_code == 204
    last = page.delete("/access/grants/editor/a")
    assert last.status_code == 409 and "lift_limit" in last.json()["detail"]
    assert page.delete("/access/grants/editor/a?lift_limit=true").status_code == 204
    assert page.delete("/access/grants/editor/a?lift_limit=true").status_code == 404
    assert page.get("/me", user="editor").json()["tenants"] is None
