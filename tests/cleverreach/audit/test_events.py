"""An audit event's detail holds counts, flags, ids and vocabulary words only: never a name or an address."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditDetailError, AuditEvent, detail_json, shown
from cleverreach.enums import AuditAction, RunStatus

ANNA = Actor("user:anna", "cleverreach_sync_recipients", "manual__1")


def test_counts_flags_ids_and_vocabulary_are_stored_as_sorted_json():
    detail = {"sync_run_id": 7, "status": RunStatus.PARTIAL, "dry_run": False, "taken_over": [3, 4], "share": 0.5,
              "language": "fr-CH", "triggered_run_id": "manual__2026-01-01T10:00:00.123+00:00", "alert": None}
    assert json.loads(detail_json(detail)) == {**detail, "status": "partial"}
    assert list(json.loads(detail_json({"b": 1, "a": 2}))) == ["a", "b"]


@pytest.mark.parametrize("detail", [
    {"name": "Newsletter"},  # free text under any other key
    {"status": "anna@example.org"},  # an address, even under a vocabulary key
    {"language": "de DE"},
    {"group_id": "x" * 251},
    {"contacts": ["anna@example.org"]},
    {"ids": [1, "2"]},
    {"nested": {"a": 1}},
    {"grantee": ""},
])
def test_anything_that_could_name_a_person_is_refused_at_once(detail):
    with pytest.raises(AuditDetailError):
        AuditEvent(AuditAction.LIST_RENAMED, "acme", ANNA, 1, detail)


def test_a_grantee_is_a_login_like_the_actor():
    assert json.loads(detail_json({"grantee": "anna.muster"})) == {"grantee": "anna.muster"}


def test_the_insert_parameters_carry_the_actor_and_its_run():
    when = datetime(2026, 1, 1, 12)
    params = AuditEvent(AuditAction.SYNC_FINISHED, "acme", ANNA, 5, {"added": 2}).params(when)
    assert params == {"occurred_at": when, "tenant_id": "acme", "list_id": "5", "actor": "user:anna",
                      "action": "sync_finished", "detail": '{"added": 2}', "dag_id": "cleverreach_sync_recipients",
                      "run_id": "manual__1"}
    assert AuditEvent(AuditAction.ACCESS_GRANTED, "acme", Actor.user("admin")).params(when)["list_id"] is None


def test_a_stored_detail_is_shown_parsed():
    assert shown({"id": 1, "detail": '{"added": 2}'})["detail"] == {"added": 2}
    assert shown({"id": 1, "detail": None})["detail"] == {}
