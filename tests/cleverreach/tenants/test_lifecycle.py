"""The tenant lifecycle's rules: the request, the leases that hold an action up, when a rename is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cleverreach.enums import AuditAction, MemberState
from cleverreach.tenants.lifecycle import (KEPT_ON_MOVE, RESET_TO_PENDING, TenantAction, TenantLifecycleError,
                                           TenantRequest, live_leases, refuse_running, rename_verdict)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_request_must_be_confirmed_with_the_tenant_id():
    assert TenantRequest.of("rename", "1", "one", "1") == TenantRequest(TenantAction.RENAME, "1", "one")
    assert TenantRequest.of(" Move ", 42, None, "42") == TenantRequest(TenantAction.MOVE, "42", None)  # a number's text
    assert TenantRequest.of("move", "0042", "", "0042").tenant == "0042"  # text stays text
    with pytest.raises(TenantLifecycleError, match="confirm must repeat the tenant id '1'"):
        TenantRequest.of("rename", "1", "one", "one")
    with pytest.raises(TenantLifecycleError, match="confirm must repeat"):
        TenantRequest.of("move", "1", None, None)


@pytest.mark.parametrize(("args", "message"), [
    (("delete", "1", None, "1"), "action must be one of rename, move"),
    (("rename", "1", None, "1"), "new_tenant_id must be a tenant id"),
    (("rename", "1", "1", "1"), "is the tenant id '1' itself"),
    (("rename", "1", "a b", "1"), "new_tenant_id must be a tenant id"),
    (("move", "1", "2", "1"), "a move keeps the tenant id"),
    (("move", "", None, ""), "tenant must be a tenant id"),
])
def test_bad_requests_are_refused(args, message):
    with pytest.raises(TenantLifecycleError, match=message):
        TenantRequest.of(*args)


def test_only_a_live_lease_holds_an_action_up():
    timeout = timedelta(minutes=10)
    rows = [
        {"id": 1, "list_id": "7", "dag_id": "d", "run_id": "r1", "started_at": NOW - timedelta(hours=2),
         "heartbeat_at": NOW - timedelta(minutes=1)},  # beating
        {"id": 2, "list_id": "8", "dag_id": "d", "run_id": "r2", "started_at": NOW - timedelta(hours=2),
         "heartbeat_at": None},  # silent since its start: stale
        {"id": 3, "list_id": "9", "dag_id": "d", "run_id": "r3", "started_at": "2026-03-01 11:55:00+00:00",
         "heartbeat_at": None},  # SQLite's text, recent
    ]
    assert [row["id"] for row in live_leases(rows, NOW, timeout)] == [1, 3]
    refuse_running("1", [])
    with pytest.raises(TenantLifecycleError, match=r"tenant '1' has a running sync: sync_run 1 of list 7 \(d r1\)"):
        refuse_running("1", live_leases(rows[:1], NOW, timeout))


def test_a_rename_is_refused_when_the_ids_do_not_fit_the_crm():
    state = {"sync_run": 3}
    with pytest.raises(TenantLifecycleError, match="tenant 'one' is not an active tenant of the CRM"):
        rename_verdict("1", "one", old_in_crm=False, new_in_crm=False, old_state=state, new_state={})
    with pytest.raises(TenantLifecycleError, match="tenant '1' is still a tenant of the CRM"):
        rename_verdict("1", "one", old_in_crm=True, new_in_crm=True, old_state=state, new_state={})


def test_a_rename_into_private_state_is_refused_but_grants_login_checks_and_audit_events_merge():
    old = {"sync_run": 3, "audit_event": 5}
    with pytest.raises(TenantLifecycleError, match=r"'one' already has private state of its own \(mail_history_mailing: 1, sync_run: 2\)"):
        rename_verdict("1", "one", old_in_crm=False, new_in_crm=True, old_state=old,
                       new_state={"sync_run": 2, "mail_history_mailing": 1, "audit_event": 1, "cleverreach_tenant_grant": 4})
    assert rename_verdict("1", "one", old_in_crm=False, new_in_crm=True, old_state=old,
                          new_state={"cleverreach_tenant_grant": 1, "cleverreach_login_check": 1, "audit_event": 2}) is True


def test_a_retried_rename_converges():
    """Done before: nothing of OLD is left and NEW holds it all; no refusal, nothing to move."""
    assert rename_verdict("1", "one", old_in_crm=False, new_in_crm=True, old_state={"sync_run": 0},
                          new_state={"sync_run": 3, "audit_event": 9}) is False


def test_a_move_keeps_only_the_persons_own_unsubscribe():
    assert set(RESET_TO_PENDING) | set(KEPT_ON_MOVE) | {MemberState.PENDING} == set(MemberState)
    assert MemberState.UNSUBSCRIBED in KEPT_ON_MOVE


def test_the_actions_are_audit_actions():
    assert {AuditAction.TENANT_RENAMED.value, AuditAction.TENANT_MOVED.value} == {"tenant_renamed", "tenant_moved"}
