"""The audit trail on the page: what the page's own actions record (by the UI user), and reading it back in pages."""

from __future__ import annotations

import pytest
from sqlalchemy import text


def add_run(page, status: str, *, minute: int, removes: int = 0) -> int:
    """A finished sync_run of list 1 (a blocked one carries its planned removals)."""
    with page.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sync_run (tenant_id, list_id, dag_id, run_id, started_at, status, dry_run, removed)"
            " VALUES ('a', 1, 'cleverreach_sync_recipients', :run_id, :started, :status, false, :removed)"),
            {"run_id": f"manual__{minute}", "started": f"2026-01-01 10:{minute:02d}:00", "status": status,
             "removed": removes})
        return conn.execute(text("SELECT max(id) FROM sync_run")).scalar_one()


def events(page, path: str = "/tenants/a/audit", user: str = "viewer", **params) -> dict:
    resp = page.get(path, user=user, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_list_edits_are_recorded_by_the_ui_user_with_no_names(page):
    page.put("/tenants/a/lists/1", user="editor", json={"name": "Kunden-News"})
    page.put("/tenants/a/lists/1/translations/en", user="editor", json={"name": "Customer news"})
    page.delete("/tenants/a/lists/1/translations/en", user="editor")
    page.delete("/tenants/a/lists/1/translations/en", user="editor")  # 404: nothing deleted, nothing recorded
    rows = events(page)["rows"]
    assert [(r["action"], r["actor"], r["list_id"], r["detail"]) for r in rows] == [
        ("list_translation_deleted", "user:editor", "1", {"language": "en"}),
        ("list_translation_set", "user:editor", "1", {"language": "en"}),
        ("list_renamed", "user:editor", "1", {}),
    ]
    assert all(r["dag_id"] is None and r["run_id"] is None for r in rows)  # no Airflow run: the page itself
    assert "Kunden" not in str(rows) and "Customer" not in str(rows)
    assert events(page, "/tenants/b/audit", user="admin")["rows"] == []  # another tenant's trail


def test_approving_a_blocked_plan_records_the_approver_and_the_run_it_started(page):
    blocked = add_run(page, "blocked", minute=2, removes=30)
    resp = page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked})
    assert resp.status_code == 200, resp.text
    (event,) = events(page, list_id=1)["rows"]
    assert (event["action"], event["actor"], event["list_id"]) == ("sync_approved", "user:op", "1")
    assert (event["dag_id"], event["run_id"]) == ("cleverreach_sync_recipients", resp.json()["dag_run_id"])
    assert event["detail"] == {"sync_run_id": blocked, "planned_removals": 30, "approval_id": resp.json()["approval_id"]}
    assert page.run("cleverreach_sync_recipients", event["run_id"])["triggering_user_name"] == "op"
    # a refused approval (no longer the latest blocked plan) records nothing
    add_run(page, "success", minute=3)
    assert page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked}).status_code == 409
    assert len(events(page)["rows"]) == 1


def test_grants_are_recorded_on_the_granted_tenant(page):
    assert page.post("/access/grants", json={"username": "editor", "tenant_id": "b"}).status_code == 201
    assert page.post("/access/grants", json={"username": "editor", "tenant_id": "b"}).status_code == 201  # no change
    assert [g["granted_by"] for g in page.get("/access/grants").json()] == ["user:admin"]
    assert page.delete("/access/grants/editor/b?lift_limit=true").status_code == 204
    rows = events(page, "/tenants/b/audit", user="admin")["rows"]
    assert [(r["action"], r["actor"], r["list_id"], r["detail"]) for r in rows] == [
        ("access_revoked", "user:admin", None, {"grantee": "editor"}),
        ("access_granted", "user:admin", None, {"grantee": "editor"}),
    ]
    assert events(page)["rows"] == []


def test_pages_walk_the_trail_both_ways(page):
    for i in range(7):
        page.put("/tenants/a/lists/1/translations/en", user="editor", json={"name": f"v{i}"})
    page.put("/tenants/b/lists/2/translations/en", user="admin", json={"name": "other"})  # tenant b: not in a's trail
    everything = [r["id"] for r in events(page, limit=100)["rows"]]
    assert len(everything) == 7 and everything == sorted(everything, reverse=True)
    first = events(page, limit=3)
    assert [r["id"] for r in first["rows"]] == everything[:3] and first["after"] is None
    second = events(page, limit=3, before=first["before"])
    third = events(page, limit=3, before=second["before"])
    assert [r["id"] for r in second["rows"]] == everything[3:6] and [r["id"] for r in third["rows"]] == everything[6:]
    assert third["before"] is None  # the oldest page
    back = events(page, limit=3, after=third["after"])
    assert [r["id"] for r in back["rows"]] == everything[3:6] and back["after"] == everything[3]
    newest = events(page, limit=3, after=back["after"])
    assert [r["id"] for r in newest["rows"]] == everything[:3] and newest["after"] is None


@pytest.mark.parametrize("query", ["list_id=2", "list_id=99", "list_id=0", "limit=0", "limit=501", "before=1&after=2",
                                   "before=abc"])
def test_bad_audit_queries(page, query):
    resp = page.get(f"/tenants/a/audit?{query}")
    assert resp.status_code in (404, 422), resp.text
    assert (resp.status_code == 404) == query.startswith(("list_id=2", "list_id=99", "list_id=0"))  # another tenant's list reads as missing


def test_an_unknown_tenant_has_no_trail(page):
    assert page.get("/tenants/zz/audit").status_code == 404
