"""cleverreach_erase_contact through Airflow: a person leaves the tenant's account and the integration's copies."""

from __future__ import annotations

import pytest
from helpers.audit import audit_events, run_actor
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_tenants, fetch
from helpers.erasure import erase, store_request
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-erase1"
DAG_ID = "cleverreach_erase_contact"


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    """Anna (contact 1) is on list 1 (group 1001) and, by her old address, in group 1001 and the
    unimported group 1003; Ben (contact 2) and a form sign-up must stay."""
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET,
        "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [
            {"id": "1001", "name": "Newsletter", "receivers": [
                {"email": "anna.old@example.org", "global_attributes": {"ext_id": "1"}},
                {"email": "ben@example.org", "global_attributes": {"ext_id": "2"}},
                {"email": "form@example.org"},
            ]},
            {"id": "1003", "name": "Not imported", "receivers": [
                {"email": "Anna.New@example.org"}, {"email": "ben@example.org"},
            ]},
        ]}]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "email": "anna.new@example.org", "first_name": "Anna"},
        {"id": 2, "tenant_id": "acme", "email": "ben@example.org", "first_name": "Ben"},
        {"id": 9, "tenant_id": "beta", "email": "anna.new@example.org", "first_name": "Other tenant's Anna"},
    ])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))
        for cid in (1, 2):
            conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                              "VALUES (1, :c, CURRENT_TIMESTAMP)"), {"c": cid})
        for cid, source, key in ((1, "cleverreach", "m1/1/mail_sent"), (1, "crm", "call-1"), (2, "cleverreach", "m1/2/mail_sent")):
            conn.execute(text("INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, "
                              "detail, source, external_key) VALUES ('acme', :c, CURRENT_TIMESTAMP, 'mail_sent', 's', "
                              "'d', :s, :k)"), {"c": cid, "s": source, "k": key})
        # the run's id from the table's identity, as a sync's would be (an explicit id leaves PostgreSQL's sequence
        # behind, and the erasure's first lease would then collide with it)
        conn.execute(text("INSERT INTO sync_run (tenant_id, list_id, started_at, status) "
                          "VALUES ('acme', 1, CURRENT_TIMESTAMP, 'success')"))
        run_pk = conn.execute(text("SELECT max(id) FROM sync_run")).scalar_one()
        for cid, email in ((1, "anna.old@example.org"), (2, "ben@example.org")):
            conn.execute(text("INSERT INTO sync_change (run_id, list_id, contact_person_id, email, action, reason, result) "
                              "VALUES (:r, 1, :c, :e, 'add', 'new member', 'ok')"), {"r": run_pk, "c": cid, "e": email})
        for cid, key in ((1, "anna.older@example.org"), (2, "ben@example.org")):  # owned, with a refusal each
            conn.execute(text("INSERT INTO sync_owned_receiver (list_id, group_id, email_key, contact_person_id, origin, "
                              "since) VALUES (1, '1001', :k, :c, 'created', CURRENT_TIMESTAMP)"), {"k": key, "c": cid})
            conn.execute(text("INSERT INTO sync_refusal (list_id, contact_person_id, action, payload_hash, refused_at) "
                              "VALUES (1, :c, 'update', 'h', CURRENT_TIMESTAMP)"), {"c": cid})
            conn.execute(text("INSERT INTO sync_owner_intent (list_id, group_id, email_key, contact_person_id, origin, "
                              "sync_run_id, created_at) VALUES ('1', '1001', :k, :c, 'created', :r, CURRENT_TIMESTAMP)"),
                         {"k": f"intent.{key}", "c": str(cid), "r": run_pk})  # an ownership intent a dead run left behind
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET)
    return emulator


def emails(emulator, group: str) -> set[str]:
    return {r["email"].lower() for r in emulator.client.group_receivers(group)}


def test_erase_by_contact_id_everywhere_and_nothing_else(world, crm_engine, capfd, caplog):
    result = erase(crm_engine, "acme", contact_ids=[1])
    assert result.state == "success", result
    report = result.value("erase")
    assert report["cleverreach"] == {"groups_searched": 2, "receivers_found": 2, "receivers_deleted": 2,
                                     "receivers_failed": 0}
    assert report["crm"] == {"list_members": 1, "contact_history": 1, "sync_changes": 1, "owned_receivers": 1,
                             "refusals": 1, "owner_intents": 1, "foreign_ext_ids": 0}
    assert [r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM sync_owner_intent")] == ["2"]
    assert (report["contacts"], report["addresses"], report["complete"]) == (1, 3, True)
    assert [r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM sync_owned_receiver")] == ["2"]
    assert [r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM sync_refusal")] == ["2"]
    # the old address (from the stored plans) and the current one, in an imported and an unimported group
    assert emails(world, "1001") == {"ben@example.org", "form@example.org"}
    assert emails(world, "1003") == {"ben@example.org"}
    assert [r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM recipient_list_member")] == [2]
    assert sorted((r["contact_person_id"], r["source"]) for r in fetch(crm_engine, "SELECT * FROM contact_history")) == [
        (1, "crm"), (2, "cleverreach")]
    changes = fetch(crm_engine, "SELECT contact_person_id, email, reason FROM sync_change ORDER BY id")
    assert changes == [{"contact_person_id": None, "email": None, "reason": "erased on request"},
                       {"contact_person_id": "2", "email": "ben@example.org", "reason": "new member"}]
    output = capfd.readouterr().out + caplog.text
    assert "anna" not in output.lower()
    # the audit: who erased, and how much; never whom (no contact id, no address)
    (event,) = [e for e in audit_events(crm_engine) if e["action"] == "contact_erased"]
    assert (event["action"], event["actor"], event["tenant_id"], event["list_id"]) == (
        "contact_erased", run_actor(DAG_ID, result.run_id), "acme", None)
    assert event["detail"] == {"contacts": 1, "addresses": 3, **report["crm"]}
    # a second run finds nothing left and still succeeds
    again = erase(crm_engine, "acme", contact_ids=[1])
    assert again.state == "success" and again.value("erase")["cleverreach"]["receivers_found"] == 0


def test_erase_by_address_only(world, crm_engine):
    result = erase(crm_engine, "acme", emails=["ANNA.NEW@example.org"])
    assert result.state == "success", result
    assert emails(world, "1003") == {"ben@example.org"}
    # the address names contact 1, so the person's old address (from the stored plans) goes too
    assert emails(world, "1001") == {"ben@example.org", "form@example.org"}
    assert (result.value("erase")["contacts"], result.value("erase")["addresses"]) == (1, 3)
    assert [r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM recipient_list_member")] == [2]


@pytest.mark.parametrize("case", ["another tenant's contact", "another tenant's request", "no such request"])
def test_refusals_touch_nothing(world, crm_engine, case):
    conf = {"another tenant's contact": lambda: {"tenant": "acme", "request": store_request(crm_engine, "acme", [9])},
            "another tenant's request": lambda: {"tenant": "acme", "request": store_request(crm_engine, "beta", [9])},
            "no such request": lambda: {"tenant": "acme", "request": "0" * 32}}[case]()
    world.client.clear_requests()
    result = run_dag(DAG_ID, conf)
    assert result.state == "failed" and result.states("erase") == ["failed"]
    writes = [r for r in world.client.requests() if r.get("method") not in ("GET",) and "/oauth" not in r.get("path", "")]
    assert writes == []
    assert len(fetch(crm_engine, "SELECT * FROM recipient_list_member")) == 2
    assert fetch(crm_engine, "SELECT id FROM sync_run WHERE dag_id = :d", d=DAG_ID) == []  # no lease was taken
