"""Tenant grants administered by a tenant-limited admin (issue 18): only within their own grants, never lifting
anybody's limit, never their own grants; each refusal is a 403 that says why and changes nothing."""

from __future__ import annotations


def _grants(page) -> set[tuple[str, str]]:
    return {(g["username"], g["tenant_id"]) for g in page.get("/access/grants").json()}


def _limit_the_admin_to_tenant_a(page) -> None:
    """The editor holds a and b, then the (so far unlimited) admin limits themselves to a."""
    for username, tenant_id in (("editor", "a"), ("editor", "b"), ("admin", "a")):
        assert page.post("/access/grants", json={"username": username, "tenant_id": tenant_id}).status_code == 201
    assert page.get("/me").json()["tenants"] == ["a"]


def test_a_limited_admin_may_not_grant_or_revoke_a_tenant_outside_their_grants(page):
    _limit_the_admin_to_tenant_a(page)
    before = _grants(page)
    for resp in (page.post("/access/grants", json={"username": "viewer", "tenant_id": "b"}),
                 page.delete("/access/grants/editor/b")):
        assert resp.status_code == 403, resp.text
        assert "only tenants within their own grants (a)" in resp.json()["detail"]
    assert _grants(page) == before
    assert page.post("/access/grants", json={"username": "viewer", "tenant_id": "a"}).status_code == 201
    assert page.delete("/access/grants/editor/a").status_code == 204  # the editor keeps b: still limited
    assert _grants(page) == {("admin", "a"), ("editor", "b"), ("viewer", "a")}


def test_a_limited_admin_may_not_lift_anybodys_limit(page):
    _limit_the_admin_to_tenant_a(page)
    assert page.post("/access/grants", json={"username": "viewer", "tenant_id": "a"}).status_code == 201
    resp = page.delete("/access/grants/viewer/a?lift_limit=true")
    assert resp.status_code == 403, resp.text
    assert "only an admin without tenant grants may lift a limit" in resp.json()["detail"]
    assert page.get("/me", user="viewer").json()["tenants"] == ["a"]


def test_a_limited_admin_may_not_change_their_own_grants(page):
    _limit_the_admin_to_tenant_a(page)
    for resp in (page.post("/access/grants", json={"username": "admin", "tenant_id": "b"}),
                 page.post("/access/grants", json={"username": "admin", "tenant_id": "a"}),
                 page.delete("/access/grants/admin/a?lift_limit=true")):
        assert resp.status_code == 403, resp.text
        assert "may not change their own tenant grants" in resp.json()["detail"]
    assert page.get("/me").json()["tenants"] == ["a"]
    assert page.rows("SELECT action FROM audit_event WHERE action LIKE 'access_%' AND tenant_id = 'b'"
                     " AND detail LIKE '%admin%'") == []
