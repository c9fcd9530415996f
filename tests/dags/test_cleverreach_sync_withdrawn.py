"""GDPR through Airflow: a contact the CRM flags "no marketing", or deletes or anonymises, is deleted from
every group of its tenant on the next sync, even under removal_mode=deactivate, and the removal is
recorded with the CRM's reason. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.sync.withdrawn import DELETED_REASON, NO_MARKETING_REASON

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-gdpr42"
DAG_ID = "cleverreach_sync_recipients"


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    """Lists 1 ↔ group 1001 (Anna, Ben, Carl) and 2 ↔ group 1002 (Anna, Dora); a form sign-up in 1001."""
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": "1001", "name": "Newsletter", "receivers": [{"email": "form@example.org"}]},
                   {"id": "1002", "name": "Kunden", "receivers": []}],
    }]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "email": "anna@example.org", "first_name": "Anna"},
        {"id": 2, "tenant_id": "acme", "email": "ben@example.org", "first_name": "Ben"},
        {"id": 3, "tenant_id": "acme", "email": "carl@example.org", "first_name": "Carl"},
        {"id": 4, "tenant_id": "acme", "email": "dora@example.org", "first_name": "Dora"},
    ])
    with crm_engine.begin() as conn:
        for list_id, group in ((1, "1001"), (2, "1002")):
            conn.execute(text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                              "VALUES ('acme', :g, :g, CURRENT_TIMESTAMP)"), {"g": group})
    add_members(crm_engine, 1, [1, 2, 3])
    add_members(crm_engine, 2, [1, 4])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET, removal_mode="deactivate")
    return emulator


def emails(emulator, group: str) -> dict[str, int]:
    """The group's receivers by address, with their deactivation stamp (0 = active)."""
    return {r["email"]: int(r.get("deactivated") or 0) for r in emulator.client.group_receivers(group)}


def test_withdrawn_contacts_are_deleted_from_every_group_and_recorded(world, crm_engine):
    first = run_dag(DAG_ID, {"tenant": "acme"})
    assert first.state == "success", first
    assert set(emails(world, "1001")) == {"form@example.org", "anna@example.org", "ben@example.org", "carl@example.org"}
    assert set(emails(world, "1002")) == {"anna@example.org", "dora@example.org"}

    with crm_engine.begin() as conn:  # the CRM's own marks; Carl is anonymised, Dora deleted and off list 2
        conn.execute(text("UPDATE contact_person SET no_marketing = true WHERE id = 1"))
        conn.execute(text("UPDATE contact_person SET email = NULL, first_name = NULL, deleted_at = :t WHERE id = 3"),
                     {"t": datetime(2026, 3, 1)})
        conn.execute(text("UPDATE contact_person SET deleted_at = :t WHERE id = 4"), {"t": datetime(2026, 3, 1)})
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 2 AND contact_person_id = 4"))

    second = run_dag(DAG_ID, {"tenant": "acme"})
    assert second.state == "success", second
    # deleted, not deactivated, although removal_mode is deactivate; the form sign-up and Ben stay active
    assert emails(world, "1001") == {"form@example.org": 0, "ben@example.org": 0}
    assert emails(world, "1002") == {}
    changes = fetch(crm_engine, "SELECT c.action, c.contact_person_id, c.reason, c.result, r.list_id FROM sync_change c "
                                "JOIN sync_run r ON r.id = c.run_id WHERE c.action IN ('remove', 'deactivate') "
                                "ORDER BY r.list_id, c.contact_person_id")
    assert [(c["list_id"], c["action"], c["contact_person_id"], c["reason"], c["result"]) for c in changes] == [
        ("1", "remove", "1", f"{NO_MARKETING_REASON}: deleted from the group", "ok"),  # keys are text in the state
        ("1", "remove", "3", f"{DELETED_REASON}: deleted from the group", "ok"),
        ("2", "remove", "1", f"{NO_MARKETING_REASON}: deleted from the group", "ok"),
        ("2", "remove", "4", f"{DELETED_REASON}: deleted from the group", "ok"),
    ]
    states = {(m["list_id"], m["contact_person_id"]): (m["sync_state"], m["sync_error"])
              for m in fetch(crm_engine, "SELECT * FROM recipient_list_member")}
    assert states[(1, 1)] == states[(2, 1)] == ("rejected", NO_MARKETING_REASON)
    assert states[(1, 3)] == ("rejected", DELETED_REASON)
    assert states[(1, 2)][0] == "synced"

    writes = world.client.counters()["writes"]
    third = run_dag(DAG_ID, {"tenant": "acme"})
    assert third.state == "success", third
    assert world.client.counters()["writes"] == writes  # nothing left to remove


def test_clearing_the_flag_adds_the_contact_again(world, crm_engine):
    with crm_engine.begin() as conn:
        conn.execute(text("UPDATE contact_person SET no_marketing = true WHERE id = 2"))
    assert run_dag(DAG_ID, {"tenant": "acme", "list_id": 1}).state == "success"
    assert "ben@example.org" not in emails(world, "1001")
    with crm_engine.begin() as conn:
        conn.execute(text("UPDATE contact_person SET no_marketing = false WHERE id = 2"))
    assert run_dag(DAG_ID, {"tenant": "acme", "list_id": 1}).state == "success"
    assert emails(world, "1001")["ben@example.org"] == 0
