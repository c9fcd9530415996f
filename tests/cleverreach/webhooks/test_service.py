"""The endpoint's logic without HTTP: the token is checked before anything is recorded, then the event is read."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from cleverreach.audit.actor import Actor
from cleverreach.tenants.service import TenantLifecycle
from cleverreach.webhooks.events import UNSUBSCRIBED
from cleverreach.webhooks.service import WebhookReceiver

from .conftest import GROUP, LIST, TENANT, TOKEN, receiver_of  # noqa: TID252


def body(contact: int = 1, **extra) -> bytes:
    return json.dumps({"event": UNSUBSCRIBED, "condition": GROUP, "payload": {"pool_id": receiver_of(contact)}, **extra}).encode()


def test_the_verification_answers_only_an_open_registration(seeded):
    receiver = WebhookReceiver(seeded.engine)
    assert receiver.verification(TENANT, LIST, UNSUBSCRIBED, "S") == "verify-value-0123456789 S"
    seeded.store.remove(TENANT, LIST, UNSUBSCRIBED)
    assert receiver.verification(TENANT, LIST, UNSUBSCRIBED, "S") is None
    assert receiver.verification(TENANT, "42", UNSUBSCRIBED, "S") is None


@pytest.mark.parametrize(("headers", "query", "raw", "status"), [
    ({}, {}, body(), 401),
    ({}, {}, b"{not json", 401),
    ({"X-CR-Calltoken": "wrong"}, {}, body(), 403),
    ({}, {"call_token": TOKEN[:-1]}, body(), 403),
    ({}, {}, body(call_token="x" * 64), 403),
])
def test_a_missing_or_wrong_token_records_nothing(seeded, caplog, headers, query, raw, status):
    caplog.set_level(logging.DEBUG)
    answer = WebhookReceiver(seeded.engine).receive(TENANT, LIST, UNSUBSCRIBED, headers, query, raw)
    assert answer.status == status
    assert seeded.events() == [] and seeded.state(1) == ("synced", None)
    assert TOKEN[:20] not in caplog.text and "x" * 64 not in caplog.text


def test_a_removed_registrations_token_is_refused(seeded):
    seeded.store.remove(TENANT, LIST, UNSUBSCRIBED)
    answer = WebhookReceiver(seeded.engine).receive(TENANT, LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body())
    assert answer.status == 403 and seeded.events() == []


@pytest.mark.parametrize("where", ["header", "query", "body"])
def test_the_token_in_any_place_is_accepted(seeded, caplog, where):
    caplog.set_level(logging.DEBUG)
    headers = {"x-cr-calltoken": TOKEN} if where == "header" else {}
    query = {"call_token": TOKEN} if where == "query" else {}
    raw = body(call_token=TOKEN) if where == "body" else body()
    answer = WebhookReceiver(seeded.engine).receive(TENANT, LIST, UNSUBSCRIBED, headers, query, raw)
    assert (answer.status, answer.body) == (200, {"outcome": "applied", "replay": False})
    assert TOKEN not in caplog.text and "acme.example" not in caplog.text


def test_an_unknown_route_and_an_unreadable_body(seeded):
    receiver = WebhookReceiver(seeded.engine)
    assert receiver.receive(TENANT, "42", UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body()).status == 404
    assert receiver.receive("other", LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body()).status == 404
    for raw in (b"{not json", b"[]", json.dumps({"event": UNSUBSCRIBED, "payload": {"pool_id": "1 OR 1=1"}}).encode()):
        assert receiver.receive(TENANT, LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, raw).status == 400
    assert seeded.events() == []


def test_a_change_that_fails_answers_500_and_is_applied_when_the_event_comes_again(seeded, monkeypatch, caplog):
    receiver = WebhookReceiver(seeded.engine)
    monkeypatch.setattr(receiver.store, "_apply", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("p1@acme.example")))
    answer = receiver.receive(TENANT, LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body())
    assert (answer.status, answer.body) == (500, {"outcome": "failed"}) and "acme.example" not in caplog.text
    monkeypatch.undo()
    retried = WebhookReceiver(seeded.engine).receive(TENANT, LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body())
    assert retried.body == {"outcome": "applied", "replay": False} and [e["outcome"] for e in seeded.events()] == ["applied"]


def test_after_a_tenant_rename_the_registered_url_applies_events_to_the_renamed_tenant(seeded):
    """The CRM re-keyed the tenant; the rename of the private state follows. CleverReach keeps calling the URL it was
    given (the old id in its path): the event is the new tenant's and changes its member."""
    with seeded.engine.begin() as conn:  # what the CRM does itself
        conn.execute(text("INSERT INTO tenant (id, name, active) VALUES ('acme-gmbh', 'ACME GmbH', true)"))
        for table in ("address", "contact_person", "recipient_list"):
            conn.execute(text(f"UPDATE {table} SET tenant_id = 'acme-gmbh' WHERE tenant_id = :old"), {"old": TENANT})
        conn.execute(text("DELETE FROM tenant WHERE id = :old"), {"old": TENANT})
    report = TenantLifecycle(seeded.engine, Actor.user("admin")).rename(TENANT, "acme-gmbh")
    assert report["rows"]["webhook_registration"] == 3

    receiver = WebhookReceiver(seeded.engine)
    answer = receiver.receive(TENANT, LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body())
    assert (answer.status, answer.body) == (200, {"outcome": "applied", "replay": False})
    assert seeded.state(1)[0] == "unsubscribed"
    assert [e["tenant_id"] for e in seeded.events()] == ["acme-gmbh"]
    assert receiver.verification(TENANT, LIST, UNSUBSCRIBED, "S") == "verify-value-0123456789 S"
    assert receiver.verification("acme-gmbh", LIST, UNSUBSCRIBED, "S") is None  # no URL under the new id yet
    assert seeded.store.registration("acme-gmbh", LIST, UNSUBSCRIBED)["hook_status"] == "active"

    # registered anew (the webhooks DAG): the URL under the new id is the one, the old one is no longer routed
    seeded.store.save_pending("acme-gmbh", LIST, GROUP, UNSUBSCRIBED,
                              "https://airflow.example/cleverreach-webhooks/acme-gmbh/receiver.unsubscribed/41", "v" * 24)
    assert receiver.verification("acme-gmbh", LIST, UNSUBSCRIBED, "S") == "v" * 24 + " S"
    assert receiver.verification(TENANT, LIST, UNSUBSCRIBED, "S") is None


def test_a_move_to_another_account_removes_the_registrations(seeded):
    report = TenantLifecycle(seeded.engine, Actor.user("admin")).move(TENANT)
    assert report["webhooks_removed"] == 3
    answer = WebhookReceiver(seeded.engine).receive(TENANT, LIST, UNSUBSCRIBED, {"X-CR-Calltoken": TOKEN}, {}, body())
    assert answer.status == 403 and seeded.events() == [] and seeded.state(1) == ("pending", None)
