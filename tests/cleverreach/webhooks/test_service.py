"""The endpoint's logic without HTTP: the token is checked before anything is recorded, then the event is read."""

from __future__ import annotations

import json
import logging

import pytest

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
