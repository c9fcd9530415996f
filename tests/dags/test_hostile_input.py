"""Hostile input and bad days: each gets a clear error or a recorded rejection, and nothing else changes."""

from __future__ import annotations

import json

import pytest
from helpers.audit import audit_events, run_actor
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from helpers.smtp_sink import SmtpSink
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-000222"
LONG = "x" * 10_000
MIXED_SCRIPTS = "Iv\u0430nov \u0710 \u738b \u05e9\u05dc\u05d5\u05dd"  # Latin, Cyrillic, Syriac, CJK, Hebrew


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "groups": [{"id": "1001", "name": "Newsletter"}]}]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_addresses(crm_engine, [{"id": 1, "tenant_id": "acme", "name": "Ärztehaus " + "Ω" * 20, "category": "Kunde"}])
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "address_id": 1, "email": "long@example.org", "first_name": LONG,
         "function": "Geschäfts\x07führer\x1b[31m", "last_name": MIXED_SCRIPTS},
        {"id": 2, "tenant_id": "acme", "address_id": 1, "email": "x'; DROP TABLE contact_person; --@example.org"},
    ])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1, retry_attempts=3)
    return emulator


def snapshot(engine) -> dict:
    return {table: fetch(engine, f"SELECT * FROM {table}")
            for table in ("recipient_list", "recipient_list_member", "contact_person", "sync_run")}


def test_params_of_the_wrong_type_or_size_are_refused_before_any_task(world, crm_engine):
    from airflow.sdk.exceptions import ParamValidationError

    before = snapshot(crm_engine)
    for dag_id, conf in [
        ("cleverreach_sync_recipients", {"tenant": "acme", "list_id": "1; DROP TABLE sync_run"}),
        ("cleverreach_sync_recipients", {"tenant": "acme", "dry_run": "yes"}),
        ("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "action": "purge", "category": "Kunde"}),
        ("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "search": LONG}),
        ("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "contact_ids": ["1 OR 1=1"]}),
        ("cleverreach_sync_mail_history", {"tenant": LONG}),
    ]:
        with pytest.raises(ParamValidationError):
            run_dag(dag_id, conf)
    assert snapshot(crm_engine) == before
    assert world.client.requests() == []


def test_sql_metacharacters_unicode_and_huge_values_are_data(world, crm_engine):
    result = run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": 1,
                                                    "search": "'; DELETE FROM tenant; --", "sync_after": False})
    assert result.state == "success" and result.value("manage_members")["matched"] == 0
    result = run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "search": "ärzteHAUS ωω",
                                                    "sync_after": False})
    assert result.value("manage_members")["added"] == 2
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert result.state == "success"
    (receiver,) = world.client.group_receivers("1001")
    attributes = receiver["global_attributes"]
    assert len(attributes["firstname"]) == 250  # bounded, not refused
    assert attributes["function"] == "Geschäfts führer [31m"  # control characters gone
    assert attributes["lastname"] == MIXED_SCRIPTS
    states = {r["contact_person_id"]: r for r in fetch(crm_engine, "SELECT * FROM recipient_list_member")}
    assert states[1]["sync_state"] == "synced"
    assert states[2]["sync_state"] == "rejected" and states[2]["sync_error"].startswith("invalid e-mail")
    assert len(fetch(crm_engine, "SELECT * FROM tenant")) == 1


def test_unknown_tenant_is_refused(world, crm_engine):
    for dag_id, conf in [("cleverreach_sync_recipients", {"tenant": "ghost"}),
                         ("cleverreach_manage_members", {"tenant": "ghost", "list_id": 1, "category": "Kunde"})]:
        result = run_dag(dag_id, conf)
        assert result.state == "failed"
    assert fetch(crm_engine, "SELECT * FROM recipient_list_member") == []
    assert world.client.requests() == []


def test_html_error_pages_and_malformed_bodies_are_retried_then_reported(world, crm_engine):
    run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "category": "Kunde", "sync_after": False})
    world.client.set_faults(next=[{"status": 502, "count": 2, "html": True, "path_regex": "receivers"}])
    assert run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1}).state == "success"
    # A change to send, and an upsert endpoint that answers with HTML error pages for longer than the retries last.
    with crm_engine.begin() as conn:
        conn.execute(text("UPDATE contact_person SET first_name = 'Neu' WHERE id = 1"))
    world.client.set_faults(next=[{"status": 503, "count": 10, "html": True, "path_regex": "receivers/upsert"}])
    failed = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    world.client.clear_faults()
    assert failed.state == "failed"
    run = fetch(crm_engine, "SELECT status, message FROM sync_run ORDER BY id DESC")[0]
    assert run["status"] == "failed" and "HTTP 503" in run["message"] and "<html" not in run["message"].lower()
    assert run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1}).state == "success"


def test_group_gone_between_import_and_sync_marks_the_list_and_alerts(world, crm_engine, monkeypatch):
    run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "category": "Kunde", "sync_after": False})
    world.client.delete_group(CLIENT, "1001")
    with SmtpSink() as sink:
        monkeypatch.setenv("AIRFLOW__CLEVERREACH__ALERT_EMAIL", "data@acme.example")
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": sink.port,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "airflow@acme.example"}}))
        result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert result.state == "failed"
    listed = fetch(crm_engine, "SELECT remote_deleted_at, changed_by FROM recipient_list WHERE id = 1")[0]
    assert listed["remote_deleted_at"] is not None
    actor = run_actor("cleverreach_sync_recipients", result.run_id)  # the run's user or the run, not a DAG name
    assert listed["changed_by"] == actor
    assert [(e["action"], e["list_id"], e["actor"], e["run_id"]) for e in audit_events(crm_engine, "list_")] == [
        ("list_gone", "1", actor, result.run_id)]  # the list's key, as text
    assert len(fetch(crm_engine, "SELECT * FROM recipient_list_member WHERE list_id = 1")) == 2  # kept
    subjects = [m["message"]["Subject"] for m in sink.messages]
    assert "[CleverReach] cleverreach_sync_recipients.sync_list failed for tenant acme, list 1" in subjects
    # the next run skips the list with a warning instead of failing again
    assert run_dag("cleverreach_sync_recipients", {"tenant": "acme"}).state == "success"


def test_id_lists_and_strings_over_their_bounds_are_refused_before_any_task(world, crm_engine):
    """Issue 18: address_ids/contact_ids of cleverreach_manage_members had no maxItems."""
    from airflow.sdk.exceptions import ParamValidationError

    from cleverreach.dag_defaults import MAX_KEYS

    before = snapshot(crm_engine)
    too_many = list(range(1, MAX_KEYS + 2))
    for dag_id, conf in [
        ("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "contact_ids": too_many}),
        ("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "address_ids": too_many}),
        ("cleverreach_manage_members", {"tenant": "acme", "list_id": 1, "address_ids": ["a" * 201]}),
        ("cleverreach_erase_contact", {"tenant": "acme", "request": "a" * 33}),
        ("cleverreach_erase_contact", {"tenant": "acme", "request": LONG}),
        ("cleverreach_erase_contact", {"tenant": "acme", "contact_ids": [1]}),  # no request; ids are no param
    ]:
        with pytest.raises(ParamValidationError):
            run_dag(dag_id, conf)
    assert snapshot(crm_engine) == before
    assert world.client.requests() == []
