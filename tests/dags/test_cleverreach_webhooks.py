"""The webhooks DAG through Airflow: register every list of a tenant (CleverReach verifies the endpoint during the
call), an unsubscribe arrives and is applied at once, status agrees, removal names its group; a missing base URL
fails plainly.

CleverReach is the emulator with its event hooks; the event is sent with the call token its control API shows (the
seed's receivers are not in the emulator: real deliveries are ``tests/cleverreach/webhooks/test_emulator_delivery.py``'s)."""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.webhook_server import WebhookServer, send_as_cleverreach
from scripts.airflow_runner import run_dag

from cleverreach.audit.service import AuditTrail
from cleverreach.webhooks.events import DEFAULT_EVENTS, UNSUBSCRIBED

from ..cleverreach.webhooks.conftest import GROUP, receiver_of, seed  # noqa: TID252

pytestmark = pytest.mark.usefixtures("airflow_db")

DAG_ID = "cleverreach_webhooks"
ACCOUNT = {"client_id": "acme-client", "client_secret": "acme-secret-0123456789",
           "groups": [{"id": GROUP, "name": "News"}]}


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    seeded = seed(crm_engine)
    for event in DEFAULT_EVENTS:  # the seed's registrations are the unit tests'; this DAG makes its own
        seeded.store.remove("acme", "41", event)
    emulator.client.reset({"accounts": [ACCOUNT]})
    with WebhookServer(crm_engine) as server:
        set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, ACCOUNT["client_id"],
                                   ACCOUNT["client_secret"], retry_initial_wait=0.01, retry_max_wait=0.2)
        monkeypatch.setenv("AIRFLOW__CLEVERREACH__WEBHOOK_BASE_URL", server.base_url)
        yield seeded, emulator.client, server


def eventhook_calls(client) -> list[dict]:
    return [r for r in client.requests() if "hooks/eventhook" in r["path"]]


def test_register_receive_status_and_remove(world):
    seeded, client, server = world
    registered = run_dag(DAG_ID, {"tenant": "acme", "action": "register"})
    assert registered.state == "success", registered
    (report,) = registered.returns["webhooks"]
    (listed,) = report["lists"]
    assert (listed["list_id"], listed["registered"], report["failed"]) == ("41", list(DEFAULT_EVENTS), 0)
    registrations = client.webhook_registrations()
    assert {(r["event"], r["condition"]) for r in registrations} == {(e, GROUP) for e in DEFAULT_EVENTS}
    assert all(r["url"].startswith(f"{server.url}/acme/") for r in registrations)

    unsubscribe = next(r for r in registrations if r["event"] == UNSUBSCRIBED)
    answer = send_as_cleverreach(unsubscribe["url"], unsubscribe["call_token"],
                                 {"event": UNSUBSCRIBED, "condition": GROUP, "payload": {"pool_id": receiver_of(1)}})
    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    assert seeded.state(1)[0] == "unsubscribed"  # at once, not with tomorrow's mail history

    status = run_dag(DAG_ID, {"tenant": "acme", "action": "status"})
    (checked,) = status.returns["webhooks"]
    assert [(w["event"], w["status"], w["consistent"]) for w in checked["webhooks"]] == [
        (e, "active", True) for e in DEFAULT_EVENTS]

    removed = run_dag(DAG_ID, {"tenant": "acme", "list_id": "41", "action": "remove", "events": [UNSUBSCRIBED]})
    assert removed.state == "success", removed
    assert {r["event"] for r in client.webhook_registrations()} == set(DEFAULT_EVENTS) - {UNSUBSCRIBED}
    assert all("condition=" in r["query"] for r in eventhook_calls(client) if r["method"] == "DELETE")
    answer = send_as_cleverreach(unsubscribe["url"], unsubscribe["call_token"],
                                 {"event": UNSUBSCRIBED, "payload": {"pool_id": receiver_of(6)}})
    assert answer.status_code == 403 and seeded.state(6)[0] == "synced"

    # the audit trail: each registration and the removal, by the runs that made them (newest first)
    rows = AuditTrail(seeded.engine).page("acme", list_id="41").rows
    webhook_rows = [r for r in rows if r["action"].startswith("webhook_")]
    assert [(r["action"], r["detail"]["event"]) for r in webhook_rows] == [
        ("webhook_removed", UNSUBSCRIBED), *[("webhook_registered", e) for e in reversed(DEFAULT_EVENTS)]]
    assert webhook_rows[0]["detail"] == {"event": UNSUBSCRIBED, "group_id": GROUP, "in_cleverreach": True}
    assert (webhook_rows[0]["dag_id"], webhook_rows[0]["run_id"]) == (DAG_ID, removed.run_id)
    assert webhook_rows[0]["actor"] == "user:dag_test"  # the run's triggering user (dag.test's)
    assert {r["run_id"] for r in webhook_rows[1:]} == {registered.run_id}


def test_without_a_base_url_the_task_fails_plainly(world, monkeypatch, capfd):
    _, client, _ = world
    monkeypatch.delenv("AIRFLOW__CLEVERREACH__WEBHOOK_BASE_URL")
    run = run_dag(DAG_ID, {"tenant": "acme", "action": "register"})
    assert run.state == "failed" and run.states("webhooks") == ["failed"]
    captured = capfd.readouterr()
    assert "[cleverreach] webhook_base_url is not set (env AIRFLOW__CLEVERREACH__WEBHOOK_BASE_URL)" in captured.out + captured.err
    assert client.webhook_registrations() == [] and eventhook_calls(client) == []


def test_an_unknown_action_or_list_fails(world):
    _, client, _ = world
    assert run_dag(DAG_ID, {"tenant": "acme", "list_id": "999", "action": "register"}).state == "failed"
    assert client.webhook_registrations() == []
