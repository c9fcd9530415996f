"""``[cleverreach] tenant_scope_default = none`` on the page: a user without tenant grants lists no tenant and is
refused every tenant endpoint (403 with the reason); an Admin too, except that an Admin without grants may always
manage grants (no lock-out). Under ``all`` (the default) nothing changes."""

from __future__ import annotations

import pytest

SCOPE_ENV = "AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT"


@pytest.fixture
def deny_by_default(monkeypatch):
    monkeypatch.setenv(SCOPE_ENV, "none")


def test_under_none_a_user_without_grants_lists_no_tenant_and_is_refused_every_tenant_endpoint(page, deny_by_default):
    for user in ("viewer", "editor", "admin"):
        assert page.get("/tenants", user).json() == [], user
        assert page.get("/me", user).json()["tenants"] == [], user
        for path in ("/tenants/a/lists", "/tenants/b/lists", "/tenants/a/lists/1/members", "/tenants/a/audit"):
            resp = page.get(path, user)
            assert resp.status_code == 403, (user, path, resp.text)
            assert "no tenant grant and [cleverreach] tenant_scope_default is 'none'" in resp.json()["detail"]
    assert page.post("/tenants/a/login-check", "editor").status_code == 403
    assert not page.rows("SELECT * FROM cleverreach_tenant_grant")


def test_under_none_an_admin_without_grants_may_still_grant_and_then_uses_the_granted_tenant(page, deny_by_default):
    for username in ("admin", "editor"):
        resp = page.post("/access/grants", json={"username": username, "tenant_id": "a"})
        assert resp.status_code == 201, resp.text
    assert [t["id"] for t in page.get("/tenants").json()] == ["a"]
    assert [t["id"] for t in page.get("/tenants", "editor").json()] == ["a"]
    assert page.get("/tenants/a/lists", "editor").status_code == 200
    assert page.get("/tenants/b/lists", "editor").status_code == 403
    # revoking the editor's last grant needs no lift_limit: it leaves them with no tenant, not with every tenant
    assert page.delete("/access/grants/editor/a").status_code == 204
    assert page.get("/tenants", "editor").json() == []


def test_under_all_a_user_without_grants_is_not_limited(page, monkeypatch):
    monkeypatch.setenv(SCOPE_ENV, "all")
    assert [t["id"] for t in page.get("/tenants", "editor").json()] == ["a", "b"]
    assert page.get("/me", "editor").json()["tenants"] is None
    assert page.get("/tenants/b/lists", "editor").status_code == 200
