"""Registering, removing and checking a tenant's webhooks, and the whole loop: register (CleverReach verifies the
endpoint during the call), an event arrives with the call token, the member is unsubscribed, removal.

The CleverReach side is the emulator's event hooks; the events here are sent with the call token the emulator's
control API shows (the receivers of this seed are not in the emulator: the real deliveries are
``test_emulator_delivery.py``'s)."""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.webhook_server import WebhookServer, send_as_cleverreach
from sqlalchemy import text

from cleverreach.audit.actor import Actor
from cleverreach.audit.service import AuditTrail
from cleverreach.exceptions import CleverReachConfigError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.tenants.service import TenantLifecycle
from cleverreach.webhooks.events import DEFAULT_EVENTS, SUBSCRIBED, UNSUBSCRIBED, token_sha256
from cleverreach.webhooks.registration import WebhookRegistrar, checked_base_url, checked_events, endpoint_url

from .conftest import GROUP, LIST, TENANT, receiver_of  # noqa: TID252

ACCOUNT = {"client_id": "acme-client", "client_secret": "acme-secret-0123456789",
           "groups": [{"id": GROUP, "name": "News"}]}


@pytest.mark.parametrize("value", [None, "", "  ", "ftp://x", "http://airflow.example.com", "https://x/?a=1", "x"])
def test_a_missing_or_unsafe_base_url_is_refused(value):
    with pytest.raises(CleverReachConfigError, match="webhook_base_url"):
        checked_base_url(value)


def test_base_urls_and_endpoint_urls():
    assert checked_base_url(" https://airflow.example.com/prefix/ ") == "https://airflow.example.com/prefix"
    assert checked_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert endpoint_url("https://a.example", "acme", UNSUBSCRIBED, "41") == \
        "https://a.example/cleverreach-webhooks/acme/receiver.unsubscribed/41"
    assert endpoint_url("https://a.example", "acme", UNSUBSCRIBED, "A 1/x") == \
        "https://a.example/cleverreach-webhooks/acme/receiver.unsubscribed/A%201/x"


def test_events_default_and_checked():
    assert checked_events(None) == checked_events([]) == DEFAULT_EVENTS
    assert checked_events("receiver.unsubscribed") == (UNSUBSCRIBED,)
    assert checked_events([UNSUBSCRIBED, " Receiver.Unsubscribed", SUBSCRIBED]) == (UNSUBSCRIBED, SUBSCRIBED)
    with pytest.raises(ValueError):
        checked_events(["receiver.unsubscribed", "../x"])


@pytest.fixture
def loop(seeded, emulator, monkeypatch):
    emulator.client.reset({"accounts": [ACCOUNT]})
    with WebhookServer(seeded.engine) as server:
        set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, ACCOUNT["client_id"],
                                   ACCOUNT["client_secret"], retry_initial_wait=0.01, retry_max_wait=0.2)
        registrar = WebhookRegistrar(CleverReachHook("cleverreach_acme"), seeded.store, TENANT, server.base_url)
        yield registrar, emulator.client, seeded


def eventhook_deletes(client) -> list[str]:
    """The query of every eventhook DELETE the emulator logged (each must name its group)."""
    return [r["query"] for r in client.requests() if r["method"] == "DELETE" and "hooks/eventhook" in r["path"]]


def test_register_receive_replace_and_remove(loop):
    registrar, client, seeded = loop
    report = registrar.register(LIST, GROUP, DEFAULT_EVENTS)
    assert report["registered"] == list(DEFAULT_EVENTS) and report["failed"] == [] and report["api_path"] == "hooks/eventhook"
    registrations = client.webhook_registrations()
    assert len(registrations) == 3
    unsubscribe = next(r for r in registrations if r["event"] == UNSUBSCRIBED)
    row = seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)
    assert row["hook_status"] == "active" and row["call_token_sha256"] == token_sha256(unsubscribe["call_token"])
    assert unsubscribe["call_token"] not in str(row)

    for placement, contact in (("header", 1), ("query", 6), ("body", 6)):
        answer = send_as_cleverreach(unsubscribe["url"], unsubscribe["call_token"],
                                     {"event": UNSUBSCRIBED, "condition": GROUP, "payload": {"pool_id": receiver_of(contact)}},
                                     placement)
        assert answer.status_code == 200
    assert seeded.state(1)[0] == seeded.state(6)[0] == "unsubscribed"
    assert [e["outcome"] for e in seeded.events()] == ["applied", "applied"]  # the third was a replay

    again = registrar.register(LIST, GROUP, [UNSUBSCRIBED])  # replaces: one registration, a new token
    assert again["registered"] == [UNSUBSCRIBED] and len(client.webhook_registrations()) == 3
    old = send_as_cleverreach(unsubscribe["url"], unsubscribe["call_token"],
                              {"event": UNSUBSCRIBED, "payload": {"pool_id": receiver_of(4)}})
    assert old.status_code == 403
    status = registrar.status([(LIST, GROUP)], DEFAULT_EVENTS)
    assert [(s["event"], s["status"], s["in_cleverreach"], s["consistent"]) for s in status] == [
        (e, "active", True, True) for e in DEFAULT_EVENTS]

    removed = registrar.remove(LIST, GROUP, DEFAULT_EVENTS)
    assert removed["removed"] == list(DEFAULT_EVENTS) and client.webhook_registrations() == []
    assert {r["hook_status"] for r in seeded.store.registrations(TENANT)} == {"removed"}
    assert set(eventhook_deletes(client)) == {f"condition={GROUP}"}  # never an account-wide delete


def test_a_removal_of_what_cleverreach_no_longer_has(loop):
    """With ``eventhook_delete_response="404_if_none"`` a removal of nothing is reported as not in CleverReach; with
    the default bare ``true`` it cannot be told apart (CleverReach's usual answer)."""
    registrar, client, seeded = loop
    registrar.register(LIST, GROUP, [UNSUBSCRIBED])
    client.clear_webhooks()
    client.update_settings(eventhook_delete_response="404_if_none")
    report = registrar.remove(LIST, GROUP, [UNSUBSCRIBED])
    assert report["not_in_cleverreach"] == [UNSUBSCRIBED] and report["failed"] == []
    assert seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)["hook_status"] == "removed"


def test_registrations_and_removals_are_in_the_audit_trail_once_each(loop):
    registrar, client, seeded = loop
    registrar.actor = Actor.user("anna")
    registrar.register(LIST, GROUP, [UNSUBSCRIBED, SUBSCRIBED])
    client.clear_webhooks()  # the subscribed hook deleted in CleverReach meanwhile
    client.update_settings(eventhook_delete_response="404_if_none")
    registrar.register(LIST, GROUP, [UNSUBSCRIBED])
    registrar.remove(LIST, GROUP, [UNSUBSCRIBED, SUBSCRIBED])
    registrar.remove(LIST, GROUP, [UNSUBSCRIBED, SUBSCRIBED])  # nothing of ours left: no event
    rows = [r for r in AuditTrail(seeded.engine).page(TENANT, list_id=LIST).rows if r["action"].startswith("webhook_")]
    assert [(r["action"], r["detail"]) for r in reversed(rows)] == [
        ("webhook_registered", {"event": UNSUBSCRIBED, "group_id": GROUP}),
        ("webhook_registered", {"event": SUBSCRIBED, "group_id": GROUP}),
        ("webhook_registered", {"event": UNSUBSCRIBED, "group_id": GROUP}),
        ("webhook_removed", {"event": UNSUBSCRIBED, "group_id": GROUP, "in_cleverreach": True}),
        ("webhook_removed", {"event": SUBSCRIBED, "group_id": GROUP, "in_cleverreach": False}),
    ]
    assert {r["actor"] for r in rows} == {"user:anna"}


def test_a_registration_that_fails_is_reported_and_stays_pending(loop, monkeypatch):
    registrar, client, seeded = loop
    monkeypatch.setattr(registrar, "base_url", "http://127.0.0.1:9")  # CleverReach cannot reach it: verification fails
    report = registrar.register(LIST, "1001", [UNSUBSCRIBED])
    assert report["registered"] == [] and report["failed"] == [{"event": UNSUBSCRIBED, "error": "CleverReachValidationError"}]
    assert client.webhook_registrations() == []
    assert seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)["hook_status"] == "pending"


def test_after_a_tenant_rename_the_hooks_keep_working_and_register_anew_under_the_new_id(loop):
    """CleverReach keeps calling the URL it was given (the old tenant id in its path): the renamed tenant's status
    shows it registered, its events are applied, and registering anew moves the hook to a URL under the new id."""
    registrar, client, seeded = loop
    registrar.register(LIST, GROUP, [UNSUBSCRIBED])
    with seeded.engine.begin() as conn:  # the CRM re-keys the tenant, then the private state follows
        conn.execute(text("INSERT INTO tenant (id, name, active) VALUES ('acme-gmbh', 'ACME GmbH', true)"))
        for table in ("address", "contact_person", "recipient_list"):
            conn.execute(text(f"UPDATE {table} SET tenant_id = 'acme-gmbh' WHERE tenant_id = :old"), {"old": TENANT})
        conn.execute(text("DELETE FROM tenant WHERE id = :old"), {"old": TENANT})
    TenantLifecycle(seeded.engine, Actor.user("admin")).rename(TENANT, "acme-gmbh")
    renamed = WebhookRegistrar(registrar.hook, seeded.store, "acme-gmbh", registrar.base_url)
    (status,) = renamed.status([(LIST, GROUP)], [UNSUBSCRIBED])
    assert (status["status"], status["in_cleverreach"], status["consistent"]) == ("active", True, True)

    (hook,) = client.webhook_registrations()
    assert "/cleverreach-webhooks/acme/" in hook["url"]
    answer = send_as_cleverreach(hook["url"], hook["call_token"],
                                 {"event": UNSUBSCRIBED, "condition": GROUP, "payload": {"pool_id": receiver_of(1)}})
    assert answer.status_code == 200 and seeded.state(1)[0] == "unsubscribed"

    assert renamed.register(LIST, GROUP, [UNSUBSCRIBED])["registered"] == [UNSUBSCRIBED]
    (hook,) = client.webhook_registrations()  # the old one deleted, the new one verified during the call
    assert "/cleverreach-webhooks/acme-gmbh/" in hook["url"]
    (status,) = renamed.status([(LIST, GROUP)], [UNSUBSCRIBED])
    assert (status["status"], status["in_cleverreach"], status["consistent"]) == ("active", True, True)
