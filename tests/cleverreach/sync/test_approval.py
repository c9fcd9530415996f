"""The pure decision of ``cleverreach.sync.approval``: which blocked plan an approval lets through (issue 18)."""

from __future__ import annotations

import pytest

from cleverreach.sync.approval import ApprovalVerdict, SyncApproval, decide

APPROVED = frozenset({"a@example.org", "b@example.org", "c@example.org"})


def approval(**changes) -> SyncApproval:
    fields = {"id": 7, "tenant_id": "acme", "list_id": "1", "blocked_sync_run_id": 41, "max_removals": 3,
              "approved_by": "user:admin", "dag_id": "cleverreach_sync_recipients", "dag_run_id": "approved__x"}
    return SyncApproval(**{**fields, **changes})


def verdict(found: SyncApproval | None, removals, *, tenant="acme", list_id="1", actor="user:admin"):
    return decide(found, APPROVED, removals, tenant_id=tenant, list_id=list_id, actor=actor)


def test_the_approved_plan_and_a_part_of_it_pass():
    assert verdict(approval(), ["a@example.org", "b@example.org", "c@example.org"]).allowed
    shrunk = verdict(approval(), ["c@example.org"])
    assert shrunk.allowed and shrunk.verdict == ApprovalVerdict.APPROVED


def test_a_run_without_an_approval_of_its_own_stays_blocked():
    """A conf flag, another run's approval: neither is an approval bound to this run."""
    decision = verdict(None, ["a@example.org"])
    assert decision.verdict == ApprovalVerdict.NOT_APPROVED and not decision.allowed
    assert "No approval is bound to this run" in decision.reason


def test_an_approval_is_used_once():
    decision = verdict(approval(used=True, used_by_sync_run=42), ["a@example.org"])
    assert decision.verdict == ApprovalVerdict.USED and "used already (by sync_run 42)" in decision.reason


@pytest.mark.parametrize(("tenant", "list_id"), [("other", "1"), ("acme", "2")])
def test_an_approval_of_another_list_does_not_count(tenant, list_id):
    assert verdict(approval(), ["a@example.org"], tenant=tenant, list_id=list_id).verdict == ApprovalVerdict.OTHER_LIST


def test_a_run_that_does_not_act_as_the_approver_stays_blocked():
    """The run of the approval's id, re-created by someone else (e.g. after it was deleted): not the approver's."""
    decision = verdict(approval(), ["a@example.org"], actor="user:editor")
    assert decision.verdict == ApprovalVerdict.OTHER_USER and "user:admin" in decision.reason


def test_a_plan_grown_since_the_approval_stays_blocked():
    decision = verdict(approval(max_removals=2), ["a@example.org", "b@example.org", "c@example.org"])
    assert decision.verdict == ApprovalVerdict.PLAN_CHANGED
    assert "the plan changed since the approval 7 (of sync_run 41): 3 removals, approved 2" in decision.reason.lower()


def test_a_plan_that_removes_other_receivers_stays_blocked_even_within_the_count():
    decision = verdict(approval(), ["a@example.org", "x@example.org", "y@example.org"])
    assert decision.verdict == ApprovalVerdict.PLAN_CHANGED and "2 receivers not in the approved plan" in decision.reason


def test_both_changes_are_named():
    decision = verdict(approval(), ["a@example.org", "b@example.org", "c@example.org", "z@example.org"])
    assert "4 removals, approved 3 / 1 receivers not in the approved plan" in decision.reason


def test_from_row_reads_the_stored_approval():
    row = {"id": 3, "tenant_id": "acme", "list_id": "1", "blocked_sync_run_id": 9, "max_removals": 30,
           "approved_by": "user:admin", "approved_at": "2026-01-01", "dag_id": "d", "dag_run_id": "r",
           "used_at": None, "used_by_sync_run": None}
    found = SyncApproval.from_row(row)
    assert (found.id, found.max_removals, found.used, found.used_by_sync_run) == (3, 30, False, None)
    assert SyncApproval.from_row({**row, "used_at": "2026-01-02", "used_by_sync_run": 10}).used
