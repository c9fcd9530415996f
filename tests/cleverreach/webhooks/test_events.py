"""Reading CleverReach's webhook calls: every token placement, every body shape seen or guessed, the event key."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cleverreach.enums import WebhookOutcome
from cleverreach.webhooks.events import (
    DELETED,
    SUBSCRIBED,
    UNSUBSCRIBED,
    Action,
    WebhookEvent,
    WebhookPayloadError,
    confirm_outcome,
    event_key,
    new_verify,
    parse_body,
    parse_event,
    presented_token,
    screen,
    stands_for_member,
    token_matches,
    token_sha256,
    verification_answer,
)

TOKEN = "a" * 64
DAY = datetime(2026, 12, 6, 7, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("headers", "query", "body"), [
    ({"X-CR-Calltoken": TOKEN}, {}, None),
    ({"x-cr-calltoken": TOKEN}, {}, None),
    ({"X-CR-CALLTOKEN": f"  {TOKEN} "}, {}, None),
    ({}, {"call_token": TOKEN}, None),
    ({}, {}, {"call_token": TOKEN, "event": UNSUBSCRIBED}),
    ({"X-CR-Calltoken": TOKEN}, {"call_token": "other"}, {"call_token": "other"}),  # the header wins
])
def test_the_token_is_read_from_the_header_the_query_or_the_body(headers, query, body):
    assert presented_token(headers, query, body) == TOKEN


@pytest.mark.parametrize(("headers", "query", "body"), [
    ({}, {}, None), ({"X-CR-Calltoken": ""}, {"call_token": "  "}, {"call_token": ""}), ({}, {}, {"call_token": 42}),
    ({"Authorization": f"Bearer {TOKEN}"}, {}, {"token": TOKEN}),
])
def test_no_token_is_none(headers, query, body):
    assert presented_token(headers, query, body) is None


def test_only_the_stored_hash_matches():
    stored = token_sha256(TOKEN)
    assert len(stored) == 64 and stored != TOKEN
    assert token_matches(TOKEN, stored)
    assert not token_matches(TOKEN[:-1] + "b", stored)
    assert not token_matches(None, stored)
    assert not token_matches(TOKEN, None)
    assert not token_matches(None, None)


def test_the_verification_answer_and_verify_values():
    assert verification_answer("our-verify-value", "S3CR3T") == "our-verify-value S3CR3T"
    values = {new_verify() for _ in range(50)}
    assert len(values) == 50 and all(10 <= len(v) <= 50 for v in values)


@pytest.mark.parametrize("body", [
    {"event": "receiver.unsubscribed", "condition": "1001", "payload": {"pool_id": "7001", "email": "x@y.example"}},
    {"event": "receiver.unsubscribed", "condition": 1001, "payload": {"pool_id": 7001}},
    {"event": "receiver.unsubscribed", "group_id": "1001", "pool_id": "7001"},
    {"event": "Receiver.Unsubscribed", "payload": {"group_id": 1001, "pool_id": 7001.0, "email": "b64:zzzz=="}},
    {"event": "receiver.unsubscribed", "condition": "1001", "payload": '{"pool_id": "7001"}'},
    {"event": "receiver.unsubscribed", "condition": "1001", "payload": [{"pool_id": "7001"}]},
    {"condition": "1001", "payload": {"receiver_id": "7001"}},  # no event: the registration's
])
def test_every_body_shape_gives_the_same_event(body):
    assert parse_event(body, UNSUBSCRIBED) == WebhookEvent(UNSUBSCRIBED, "1001", "7001", None)


def test_no_e_mail_is_read_and_missing_ids_stay_missing():
    event = parse_event({"event": SUBSCRIBED, "payload": {"email": "p1@acme.example"}}, UNSUBSCRIBED)
    assert event == WebhookEvent(SUBSCRIBED, None, None, None)
    assert "acme" not in repr(event)


def test_a_time_in_the_body_is_kept():
    assert parse_event({"event": DELETED, "timestamp": 1765000000, "payload": {"pool_id": 1}}, DELETED).stamp == "1765000000"
    assert parse_event({"event": DELETED, "payload": {"pool_id": 1, "stamp": "2026-12-06T07:00:00Z"}}, DELETED).stamp \
        == "2026-12-06T07:00:00Z"
    assert parse_event({"event": DELETED, "timestamp": {"x": 1}, "payload": {"pool_id": 1}}, DELETED).stamp is None


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"null"])
def test_a_body_that_is_not_a_json_object_is_refused(raw):
    with pytest.raises(WebhookPayloadError):
        parse_body(raw)


@pytest.mark.parametrize("body", [
    {"event": "drop table", "payload": {"pool_id": 1}},
    {"event": 5, "payload": {"pool_id": 1}},
    {"event": UNSUBSCRIBED, "payload": {"pool_id": "1; DROP"}},
    {"event": UNSUBSCRIBED, "payload": {"pool_id": True}},
    {"event": UNSUBSCRIBED, "payload": 7},
    {"event": UNSUBSCRIBED, "payload": "{not json"},
    {"event": UNSUBSCRIBED, "condition": "x" * 65, "payload": {"pool_id": 1}},
])
def test_a_body_with_something_that_is_not_an_id_is_refused(body):
    with pytest.raises(WebhookPayloadError):
        parse_event(body, UNSUBSCRIBED)


def test_the_event_key_is_a_replays_and_not_a_later_events():
    event = WebhookEvent(UNSUBSCRIBED, "1001", "7001", None)
    key = event_key(1, event, DAY)
    assert key == event_key(1, event, DAY.replace(hour=23))  # a replay the same day
    assert key != event_key(1, event, DAY.replace(day=7))  # the same person, another day
    assert key != event_key(2, event, DAY)
    assert key != event_key(1, WebhookEvent(SUBSCRIBED, "1001", "7001", None), DAY)
    assert key != event_key(1, WebhookEvent(UNSUBSCRIBED, "1001", "7002", None), DAY)
    stamped = WebhookEvent(UNSUBSCRIBED, "1001", "7001", "1765000000")
    assert event_key(1, stamped, DAY) == event_key(1, stamped, DAY.replace(day=9))  # a replay days later
    assert event_key(1, stamped, DAY) != event_key(1, WebhookEvent(UNSUBSCRIBED, "1001", "7001", "1765000999"), DAY)


def test_the_screen_before_the_crm_is_read():
    event = WebhookEvent(UNSUBSCRIBED, "1001", "7001", None)
    assert screen(event, "1001", owned=True) is None
    assert screen(WebhookEvent(UNSUBSCRIBED, None, "7001", None), "1001", owned=True) is None  # no group: the registration's
    assert screen(event, "2002", owned=True) is WebhookOutcome.UNKNOWN_GROUP
    assert screen(event, "1001", owned=False) is WebhookOutcome.NOT_OURS
    assert screen(WebhookEvent(UNSUBSCRIBED, "1001", None, None), "1001", owned=True) is WebhookOutcome.NOT_OURS
    assert screen(WebhookEvent("receiver.updated", "1001", "7001", None), "1001", owned=True) is WebhookOutcome.IGNORED
    assert [WebhookEvent(e, None, None, None).action for e in (UNSUBSCRIBED, SUBSCRIBED, DELETED, "form.x")] == [
        Action.UNSUBSCRIBE, Action.CONFIRM, Action.FORGET, Action.NONE]


@pytest.mark.parametrize(("state", "outcome"), [
    ("unconfirmed", WebhookOutcome.APPLIED), ("unsubscribed", WebhookOutcome.KEPT), ("synced", WebhookOutcome.KEPT),
    ("bounced", WebhookOutcome.KEPT), ("pending", WebhookOutcome.KEPT), (None, WebhookOutcome.KEPT),
])
def test_a_subscribe_confirms_only_an_unconfirmed_member(state, outcome):
    assert confirm_outcome(state) is outcome


def test_a_receiver_stands_for_the_member_only_with_the_members_current_address():
    assert stands_for_member("anna@example.org", " Anna@Example.org ")
    assert stands_for_member("jürgen@xn--bcher-kva.example", "Jürgen@Bücher.example")
    assert not stands_for_member("anna@example.org", "anna.new@example.org")  # the address changed: the old receiver
    assert not stands_for_member("anna@example.org", None) and not stands_for_member("anna@example.org", "")
    assert not stands_for_member(None, "anna@example.org") and not stands_for_member("", "anna@example.org")
