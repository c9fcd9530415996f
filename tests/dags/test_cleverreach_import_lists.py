"""cleverreach_import_lists through Airflow, for two tenants against the emulator and a real CRM database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers.audit import audit_events, run_actor
from helpers.connections import set_cleverreach_connection
from scripts.airflow_runner import run_dag
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

pytestmark = pytest.mark.usefixtures("airflow_db")

ACCOUNTS = {
    "acme": ("acme-client", "acme-secret-0001"),
    "beta": ("beta-client", "beta-secret-0002"),
}


def emulator_seed() -> dict:
    return {
        "accounts": [
            {
                "client_id": ACCOUNTS["acme"][0],
                "client_secret": ACCOUNTS["acme"][1],
                "groups": [
                    {"id": "1001", "name": "Newsletter", "receivers": [{"email": f"a{i}@example.org"} for i in range(3)]},
                    {"id": "1002", "name": "Kunden", "receivers": []},
                ],
            },
            {
                "client_id": ACCOUNTS["beta"][0],
                "client_secret": ACCOUNTS["beta"][1],
                "groups": [{"id": "2001", "name": "Presse", "receivers": [{"email": "p@example.org"}]}],
            },
        ]
    }


@pytest.fixture
def two_tenants(emulator, crm_engine, monkeypatch):
    emulator.client.reset(emulator_seed())
    add_tenants(
        crm_engine,
        {"id": "acme", "name": "ACME GmbH"},
        {"id": "beta", "name": "Beta AG", "cleverreach_conn_id": "cr_beta_custom"},
        {"id": "gamma", "name": "Inactive", "active": False},
    )
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, *ACCOUNTS["acme"])
    set_cleverreach_connection(monkeypatch, "cr_beta_custom", emulator.url, *ACCOUNTS["beta"])
    return emulator


def lists(engine) -> dict[str, dict]:
    rows = fetch(engine, "SELECT * FROM recipient_list ORDER BY tenant_id, external_id")
    return {f"{r['tenant_id']}/{r['external_id']}": r for r in rows}


def test_import_is_idempotent_keeps_local_names_and_marks_deleted_groups(two_tenants, crm_engine):
    emulator = two_tenants
    result = run_dag("cleverreach_import_lists")
    assert result.state == "success"
    assert result.states("import_lists") == ["success", "success"]
    first = lists(crm_engine)
    assert {k: (v["name"], v["remote_member_count"]) for k, v in first.items()} == {
        "acme/1001": ("Newsletter", 3),
        "acme/1002": ("Kunden", 0),
        "beta/2001": ("Presse", 1),
    }
    attributes = [a["name"] for a in emulator.client.state()["accounts"][0]["attributes"]]
    assert "ext_id" in attributes  # created because it was missing

    # Local edits, remote changes: a rename in the CRM, a new receiver, a deleted and a new group.
    with crm_engine.begin() as conn:
        conn.execute(text("UPDATE recipient_list SET name = 'Unser Newsletter', short_description = 'lokal' WHERE external_id = '1001'"))
    emulator.client.signup(ACCOUNTS["acme"][0], "1001", "new@example.org")
    emulator.client.delete_group(ACCOUNTS["acme"][0], "1002")
    emulator.client.create_group(ACCOUNTS["acme"][0], "Events", id="1003")

    with crm_engine.begin() as conn:  # the tenant's people read times in New York
        conn.execute(text("UPDATE tenant SET time_zone = 'America/New_York' WHERE id = 'acme'"))
    result = run_dag("cleverreach_import_lists", {"tenant": "acme"})
    assert result.state == "success"
    (summary,) = result.returns["import_lists"]
    finished_local, finished_at = summary.pop("finished_local"), summary.pop("finished_at")
    assert summary == {"tenant_id": "acme", "groups": 2, "created": 1, "refreshed": 1, "revived": 0,
                       "marked_deleted": 1, "time_zone": "America/New_York"}
    utc = datetime.fromisoformat(finished_at)
    assert utc.utcoffset() == timedelta(0)  # stored and passed on as UTC, shown in the tenant's zone
    assert finished_local == utc.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M:%S %Z")
    second = lists(crm_engine)
    assert second["acme/1001"]["name"] == "Unser Newsletter"
    assert second["acme/1001"]["short_description"] == "lokal"
    assert second["acme/1001"]["remote_member_count"] == 4
    assert second["acme/1001"]["id"] == first["acme/1001"]["id"]
    assert second["acme/1002"]["remote_deleted_at"] is not None  # marked, not deleted
    assert second["acme/1003"]["name"] == "Events"

    # Who did it: the importing run's user (or the run), per list created and gone; no names in the trail.
    events = audit_events(crm_engine)
    summary = [(e["tenant_id"], e["action"], int(e["list_id"]), e["detail"]) for e in events]  # stored as text
    assert sorted(summary[:3]) == [  # the first run: one mapped task per tenant
        ("acme", "list_imported", first["acme/1001"]["id"], {"group_id": "1001"}),
        ("acme", "list_imported", first["acme/1002"]["id"], {"group_id": "1002"}),
        ("beta", "list_imported", first["beta/2001"]["id"], {"group_id": "2001"}),
    ]
    assert summary[3:] == [
        ("acme", "list_imported", second["acme/1003"]["id"], {"group_id": "1003"}),
        ("acme", "list_gone", second["acme/1002"]["id"], {"group_id": "1002"}),
    ]
    assert {(e["actor"], e["dag_id"], e["run_id"]) for e in events[3:]} == {
        (run_actor("cleverreach_import_lists", result.run_id), "cleverreach_import_lists", result.run_id)}
    assert second["acme/1003"]["created_by"] == events[-1]["actor"]
    assert second["acme/1002"]["changed_by"] == events[-1]["actor"]

    # A third run changes nothing.
    run_dag("cleverreach_import_lists", {"tenant": "acme"})
    assert len(audit_events(crm_engine)) == len(events)
    third = lists(crm_engine)
    assert {k: (v["id"], v["name"], v["remote_deleted_at"]) for k, v in third.items()} == {
        k: (v["id"], v["name"], v["remote_deleted_at"]) for k, v in second.items()
    }


def test_bad_credentials_fail_only_that_tenant(two_tenants, crm_engine, monkeypatch):
    set_cleverreach_connection(monkeypatch, "cr_beta_custom", two_tenants.url, ACCOUNTS["beta"][0], "wrong")
    result = run_dag("cleverreach_import_lists")
    assert result.state == "failed", result
    assert result.states("import_lists") == ["success", "failed"]
    assert result.states("summarize") == ["failed"]
    assert set(lists(crm_engine)) == {"acme/1001", "acme/1002"}
    requests = two_tenants.client.requests()
    assert not any(r["client_id"] == ACCOUNTS["beta"][0] and r["path"].startswith("/v3/groups") for r in requests)


def test_unknown_tenant_is_refused(two_tenants, crm_engine):
    result = run_dag("cleverreach_import_lists", {"tenant": "nope"})
    assert result.state == "failed"
    assert result.states("resolve_tenants") == ["failed"]
    assert lists(crm_engine) == {}
