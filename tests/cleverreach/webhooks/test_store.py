"""The webhook store on SQLite and PostgreSQL: registrations, the idempotent event record and its change in the CRM."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import cleverreach
from cleverreach.clock import utcnow
from cleverreach.enums import WebhookOutcome, WebhookStatus
from cleverreach.webhooks.events import DELETED, SUBSCRIBED, UNSUBSCRIBE_REASON, UNSUBSCRIBED, WebhookEvent
from cleverreach.webhooks.store import is_open

from .conftest import GROUP, LIST, TENANT, receiver_of  # noqa: TID252

MIGRATION = Path(cleverreach.__file__).parent / "sql" / "state" / "0009_webhooks.sql"


def event(name: str, contact: int, group: str | None = GROUP, stamp: str | None = None) -> WebhookEvent:
    return WebhookEvent(name, group, receiver_of(contact), stamp)


@pytest.mark.parametrize(("enum", "column"), [(WebhookStatus, "hook_status"), (WebhookOutcome, "outcome")])
def test_the_enums_match_the_check_constraints(enum, column):
    match = re.search(rf"CHECK\s*\(\s*{column}\s+IN\s*\(([^)]*)\)", MIGRATION.read_text())
    assert match and set(re.findall(r"'([^']*)'", match.group(1))) == {m.value for m in enum}


def test_registrations_pending_then_active_then_removed(seeded):
    store = seeded.store
    row = store.registration(TENANT, LIST, UNSUBSCRIBED)
    assert row["hook_status"] == "active" and row["api_path"] == "hooks/eventhook" and len(row["call_token_sha256"]) == 64
    assert is_open(row)
    store.save_pending(TENANT, LIST, GROUP, UNSUBSCRIBED, row["url"], "another-verify-value")
    again = store.registration(TENANT, LIST, UNSUBSCRIBED)
    assert (again["id"], again["hook_status"], again["verify"]) == (row["id"], "pending", "another-verify-value")
    assert again["call_token_sha256"] == row["call_token_sha256"]  # kept until the new token replaces it
    store.remove(TENANT, LIST, UNSUBSCRIBED)
    gone = store.registration(TENANT, LIST, UNSUBSCRIBED)
    assert gone["hook_status"] == "removed" and gone["call_token_sha256"] is None and not is_open(gone)
    assert [r["event"] for r in store.registrations(TENANT)] == sorted(["receiver.deleted", "receiver.subscribed",
                                                                         "receiver.unsubscribed"])
    assert store.registrations("other") == [] and store.registration(TENANT, "42", UNSUBSCRIBED) is None


def test_an_unsubscribe_applies_once_and_a_replay_changes_nothing(seeded):
    registration = seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)
    first = seeded.store.accept(registration, event(UNSUBSCRIBED, 1))
    assert (first.outcome, first.replay) == (WebhookOutcome.APPLIED, False)
    assert seeded.state(1) == ("unsubscribed", UNSUBSCRIBE_REASON)
    with seeded.engine.begin() as conn:  # somebody changes the member after: a replay must not undo it
        conn.execute(text("UPDATE recipient_list_member SET sync_error = 'later' WHERE contact_person_id = 1"))
    replay = seeded.store.accept(registration, event(UNSUBSCRIBED, 1))
    assert (replay.outcome, replay.replay, replay.event_key) == (WebhookOutcome.APPLIED, True, first.event_key)
    assert seeded.state(1) == ("unsubscribed", "later")
    (row,) = seeded.events()
    assert row["outcome"] == "applied" and row["applied_at"] is not None and row["receiver_id"] == receiver_of(1)
    assert set(row) == {"id", "event_key", "registration_id", "tenant_id", "list_id", "event", "group_id",
                        "receiver_id", "received_at", "outcome", "applied_at"}  # no address, no body


def test_a_later_unsubscribe_of_the_same_person_is_a_new_event(seeded):
    registration = seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)
    seeded.store.accept(registration, event(UNSUBSCRIBED, 1))
    with seeded.engine.begin() as conn:  # re-subscribed in the CRM's own way meanwhile
        conn.execute(text("UPDATE recipient_list_member SET sync_state = 'synced' WHERE contact_person_id = 1"))
    later = seeded.store.accept(registration, event(UNSUBSCRIBED, 1), utcnow() + timedelta(days=1))
    stamped = seeded.store.accept(registration, event(UNSUBSCRIBED, 1, stamp="1765000000"))
    assert (later.outcome, later.replay, stamped.outcome) == (WebhookOutcome.APPLIED, False, WebhookOutcome.ALREADY)
    assert len(seeded.events()) == 3


@pytest.mark.parametrize(("name", "contact", "outcome", "state"), [
    (UNSUBSCRIBED, 3, WebhookOutcome.ALREADY, "unsubscribed"),
    (UNSUBSCRIBED, 5, WebhookOutcome.APPLIED, "unsubscribed"),  # an unsubscribe outranks a bounce
    (SUBSCRIBED, 2, WebhookOutcome.APPLIED, "synced"),
    (SUBSCRIBED, 3, WebhookOutcome.KEPT, "unsubscribed"),  # never subscribed again
    (SUBSCRIBED, 4, WebhookOutcome.KEPT, "pending"),
    (SUBSCRIBED, 5, WebhookOutcome.KEPT, "bounced"),
    (SUBSCRIBED, 1, WebhookOutcome.KEPT, "synced"),
])
def test_what_each_event_does_to_each_state(seeded, name, contact, outcome, state):
    registration = seeded.store.registration(TENANT, LIST, name)
    assert seeded.store.accept(registration, event(name, contact)).outcome is outcome
    assert seeded.state(contact)[0] == state


def test_a_deleted_receiver_is_no_longer_owned_and_its_member_is_left(seeded):
    registration = seeded.store.registration(TENANT, LIST, DELETED)
    assert seeded.store.accept(registration, event(DELETED, 6)).outcome is WebhookOutcome.APPLIED
    assert receiver_of(6) not in seeded.owned() and receiver_of(1) in seeded.owned()
    assert seeded.state(6)[0] == "synced"  # the next sync adds it again if the member still wants it
    assert seeded.store.accept(registration, event(DELETED, 6, stamp="2")).outcome is WebhookOutcome.NOT_OURS


def test_other_groups_receivers_not_ours_and_other_events(seeded):
    registration = seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)
    accept = seeded.store.accept
    assert accept(registration, event(UNSUBSCRIBED, 1, group="2002")).outcome is WebhookOutcome.UNKNOWN_GROUP
    assert accept(registration, WebhookEvent(UNSUBSCRIBED, GROUP, "999999", None)).outcome is WebhookOutcome.NOT_OURS
    assert accept(registration, WebhookEvent(UNSUBSCRIBED, GROUP, None, None)).outcome is WebhookOutcome.NOT_OURS
    assert accept(registration, event("receiver.updated", 1)).outcome is WebhookOutcome.IGNORED
    assert seeded.state(1) == ("synced", None)
    assert [e["outcome"] for e in seeded.events()] == ["unknown_group", "not_ours", "not_ours", "ignored"]


def test_a_failed_change_is_recorded_and_applied_when_the_event_comes_again(seeded, monkeypatch):
    registration = seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)
    original = seeded.store._apply

    def broken(*args, **kwargs):
        raise RuntimeError("the CRM is away")

    monkeypatch.setattr(seeded.store, "_apply", broken)
    with pytest.raises(RuntimeError):
        seeded.store.accept(registration, event(UNSUBSCRIBED, 1))
    assert [e["outcome"] for e in seeded.events()] == ["failed"] and seeded.state(1)[0] == "synced"
    monkeypatch.setattr(seeded.store, "_apply", original)
    retried = seeded.store.accept(registration, event(UNSUBSCRIBED, 1))
    assert (retried.outcome, retried.replay) == (WebhookOutcome.APPLIED, False)
    assert [e["outcome"] for e in seeded.events()] == ["applied"] and seeded.state(1)[0] == "unsubscribed"


def test_the_retention_deletes_old_events_only(seeded):
    from cleverreach.housekeeping.retention import RetentionStore

    registration = seeded.store.registration(TENANT, LIST, UNSUBSCRIBED)
    seeded.store.accept(registration, event(UNSUBSCRIBED, 1), utcnow() - timedelta(days=100))
    seeded.store.accept(registration, event(UNSUBSCRIBED, 6))
    counts = RetentionStore(seeded.engine).purge_before(utcnow() - timedelta(days=90))
    assert counts["webhook_events_deleted"] == 1
    assert [e["receiver_id"] for e in seeded.events()] == [receiver_of(6)]
