"""Every time the page's API sends is in the tenant's zone with its offset, and the answer names the zone
(``routers/common.zoned``): the page labels each time with it, so a time is never shown as another zone's."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from cleverreach.tenants.lifecycle_store import TenantLifecycleStore

AT = datetime(2026, 12, 5, 16, 52, 44, tzinfo=UTC)  # 17:52:44 in Berlin (MEZ), 11:52:44 in New York (EST)


def _record_times(page) -> None:
    store = TenantLifecycleStore(page.engine)
    with page.engine.begin() as conn:
        conn.execute(text("UPDATE tenant SET time_zone = 'America/New_York' WHERE id = 'b'"))
        conn.execute(text(f"INSERT INTO {store.state_table('cleverreach_login_check')} (tenant_id, checked_at, ok) "
                          "VALUES ('a', :at, true), ('b', :at, false)"), {"at": AT})
        conn.execute(text(f"INSERT INTO {store.state_table('sync_run')} (tenant_id, list_id, dag_id, run_id, started_at, "
                          "finished_at, heartbeat_at, status, dry_run) VALUES ('a', 1, 'd', 'r', :at, :at, :at, 'success', false)"),
                     {"at": AT})
        conn.execute(text("UPDATE recipient_list_member SET added_at = :at"), {"at": AT})


def test_login_checks_are_sent_in_each_tenants_zone(page):
    _record_times(page)
    tenants = {t["id"]: t for t in page.get("/tenants").json()}
    assert tenants["a"]["time_zone"] == tenants["a"]["login_check"]["time_zone"] == "Europe/Berlin"
    assert tenants["a"]["login_check"]["checked_at"] == "2026-12-05T17:52:44+01:00"
    assert tenants["b"]["time_zone"] == "America/New_York"
    assert tenants["b"]["login_check"]["checked_at"] == "2026-12-05T11:52:44-05:00"


def test_a_lists_last_sync_runs_plan_and_members_are_sent_in_the_tenants_zone(page):
    _record_times(page)
    detail = page.get("/tenants/a/lists/1").json()
    assert detail["time_zone"] == "Europe/Berlin"
    assert (detail["last_sync"]["started_at"], detail["last_sync"]["time_zone"]) == ("2026-12-05T17:52:44+01:00", "Europe/Berlin")
    (run,) = page.get("/tenants/a/lists/1/sync/runs").json()
    assert (run["started_at"], run["finished_at"], run["time_zone"]) == ("2026-12-05T17:52:44+01:00",) * 2 + ("Europe/Berlin",)
    plan = page.get(f"/tenants/a/lists/1/sync/runs/{run['id']}").json()
    assert (plan["time_zone"], plan["run"]["started_at"]) == ("Europe/Berlin", "2026-12-05T17:52:44+01:00")
    members = page.get("/tenants/a/lists/1/members").json()
    assert members["time_zone"] == "Europe/Berlin"
    assert {m["added_at"] for m in members["rows"]} == {"2026-12-05T17:52:44+01:00"}


def test_grants_are_sent_in_the_granted_tenants_zone(page):
    _record_times(page)
    assert page.post("/access/grants", json={"username": "viewer", "tenant_id": "b"}).status_code == 201
    (grant,) = page.get("/access/grants").json()
    assert grant["time_zone"] == "America/New_York" and grant["granted_at"].endswith("-05:00")


def test_translations_are_sent_in_the_tenants_zone(page):
    resp = page.put("/tenants/a/lists/1/translations/en", json={"name": "News", "short_description": None})
    (translation,) = resp.json()
    assert translation["changed_at"][-6:] in ("+01:00", "+02:00")  # Berlin, winter or summer
