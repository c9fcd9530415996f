"""Sync: dry run and apply as DAG runs, the stored plan, and approving a plan the guard blocked."""

from __future__ import annotations

import pytest
from sqlalchemy import text


def add_run(page, status: str, *, minute: int, removes: int = 0, scope: str | None = "full") -> int:
    with page.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sync_run (tenant_id, list_id, dag_id, run_id, started_at, status, dry_run, removed, scope)"
            " VALUES ('a', 1, 'cleverreach_sync_recipients', :run_id, :started, :status, :dry, :removed, :scope)"),
            {"run_id": f"manual__{minute}", "started": f"2026-01-01 10:{minute:02d}:00", "status": status,
             "dry": status == "dry_run", "removed": removes, "scope": scope})
        pk = conn.execute(text("SELECT max(id) FROM sync_run")).scalar_one()
        if removes:
            conn.execute(text(
                "INSERT INTO sync_change (run_id, list_id, contact_person_id, email, action, reason, result)"
                " VALUES (:pk, 1, NULL, :email, 'remove', 'no member wants it', 'planned')"),
                [{"pk": pk, "email": f"gone{i}@example.org"} for i in range(removes)])
        conn.execute(text(
            "INSERT INTO sync_change (run_id, list_id, contact_person_id, email, action, reason, result)"
            " VALUES (:pk, 1, 41, 'p41@example.org', 'add', 'new member', 'planned')"), {"pk": pk})
    return pk


@pytest.mark.parametrize(("dry_run", "full"), [(True, None), (False, None), (False, True)])
def test_dry_run_and_apply_trigger_the_sync_for_the_one_list(page, dry_run, full):
    body = {"dry_run": dry_run} if full is None else {"dry_run": dry_run, "full_reconcile": full}
    resp = page.post("/tenants/a/lists/1/sync", user="editor", json=body)
    assert resp.status_code == 200, resp.text
    run = page.run("cleverreach_sync_recipients", resp.json()["dag_run_id"])
    assert run["conf"] == {"tenant": "a", "list_id": "1", "dry_run": dry_run, "full_reconcile": bool(full)}


@pytest.mark.parametrize("body", [{"dry_run": "maybe"}, {"dry_run": True, "allow_mass_removal": True}])
def test_bad_sync_requests(page, body):
    assert page.post("/tenants/a/lists/1/sync", json=body).status_code == 422


def test_the_plan_shows_counts_and_reasons_and_pages(page):
    pk = add_run(page, "dry_run", minute=1, removes=3, scope="changes")
    runs = page.get("/tenants/a/lists/1/sync/runs", user="viewer").json()
    assert [r["id"] for r in runs] == [pk] and runs[0]["link"] == "../dags/cleverreach_sync_recipients/runs/manual__1"
    assert runs[0]["scope"] == "changes"  # what the run read of the group (sync.scope)
    plan = page.get(f"/tenants/a/lists/1/sync/runs/{pk}?page_size=2", user="viewer").json()
    assert plan["counts"] == {"add": 1, "remove": 3}
    assert plan["changes"]["total"] == 4 and [c["action"] for c in plan["changes"]["rows"]] == ["add", "remove"]
    removes = page.get(f"/tenants/a/lists/1/sync/runs/{pk}?action=remove").json()["changes"]
    assert removes["total"] == 3 and {c["reason"] for c in removes["rows"]} == {"no member wants it"}
    assert page.get("/tenants/a/lists/1").json()["last_sync"]["id"] == pk
    assert page.get(f"/tenants/a/lists/1/sync/runs/{pk}?action=explode").status_code == 422
    assert page.get(f"/tenants/b/lists/2/sync/runs/{pk}").status_code == 404  # another list's run


def test_only_the_latest_blocked_plan_can_be_approved(page):
    dry = add_run(page, "dry_run", minute=1)
    assert page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": dry}).status_code == 409
    blocked = add_run(page, "blocked", minute=2, removes=30)
    assert page.post("/tenants/a/lists/1/sync/approve", json={"sync_run_id": 0}).status_code == 422
    assert page.post("/tenants/a/lists/1/sync/approve", json={"sync_run_id": 999}).status_code == 404
    resp = page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked})
    assert resp.status_code == 200, resp.text
    run = page.run("cleverreach_sync_recipients", resp.json()["dag_run_id"])
    assert run["conf"] == {"tenant": "a", "list_id": "1", "dry_run": False}
    assert run["triggering_user_name"] == "op"
    add_run(page, "success", minute=3)
    assert page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked}).status_code == 409


def test_approve_creates_an_approval_bound_to_the_run_it_triggers(page):
    """The approval is a record no conf can forge: bound to the run id the page chose, with the blocked plan's
    removals as its maximum, by the approving admin; the conf carries no flag."""
    blocked = add_run(page, "blocked", minute=2, removes=30)
    assert page.rows("SELECT * FROM sync_approval") == []
    resp = page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked})
    assert resp.status_code == 200, resp.text
    started = resp.json()
    assert started["dag_run_id"].startswith("approved__")
    (approval,) = page.rows("SELECT * FROM sync_approval")
    assert approval["id"] == started["approval_id"]
    assert (approval["tenant_id"], approval["list_id"], approval["blocked_sync_run_id"], approval["max_removals"],
            approval["approved_by"], approval["dag_id"], approval["dag_run_id"], approval["used_at"]) == (
        "a", "1", blocked, 30, "user:op", "cleverreach_sync_recipients", started["dag_run_id"], None)
    (event,) = page.rows("SELECT action, detail, run_id FROM audit_event WHERE action = 'sync_approved'")
    assert event["run_id"] == started["dag_run_id"] and f'"approval_id": {approval["id"]}' in event["detail"]


@pytest.mark.parametrize("user", ["editor", "viewer"])
def test_an_editor_cannot_approve_nor_create_an_approval(page, user):
    blocked = add_run(page, "blocked", minute=2, removes=30)
    assert page.post("/tenants/a/lists/1/sync/approve", user=user, json={"sync_run_id": blocked}).status_code == 403
    assert page.rows("SELECT * FROM sync_approval") == []


def test_an_approval_whose_run_airflow_refuses_is_withdrawn(page):
    """No approval stays behind for a run id that does not exist (someone could create that run later)."""
    from cleverreach.ui.airflow_api import AirflowRestApi, airflow_api

    blocked = add_run(page, "blocked", minute=2, removes=30)
    app = page.client.app
    mounted = [r.app for r in app.routes if getattr(r, "path", None) == "/cleverreach"][0]
    mounted.dependency_overrides[airflow_api] = lambda: AirflowRestApi("http://127.0.0.1:9", timeout=2)
    resp = page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked})
    assert resp.status_code == 502, resp.text
    assert page.rows("SELECT * FROM sync_approval") == []


def test_an_erasures_hold_on_the_lease_is_not_the_lists_latest_plan(page):
    """An erasure takes every list's lease (a sync_run row of status 'erasure'); it is not a sync: the blocked
    plan before it stays the latest and can still be approved, and the run history does not list it."""
    blocked = add_run(page, "blocked", minute=2, removes=30)
    held = add_run(page, "erasure", minute=3)
    assert [r["id"] for r in page.get("/tenants/a/lists/1/sync/runs", user="viewer").json()] == [blocked]
    assert page.get("/tenants/a/lists/1").json()["last_sync"]["id"] == blocked
    resp = page.post("/tenants/a/lists/1/sync/approve", user="op", json={"sync_run_id": blocked})
    assert resp.status_code == 200, resp.text
    assert held != blocked
