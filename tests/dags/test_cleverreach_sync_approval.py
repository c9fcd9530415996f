"""cleverreach_sync_recipients through Airflow: the mass-removal guard yields only to an admin's approval bound to
the run (issue 18), on SQLite and PostgreSQL against the emulator.

List 1 of tenant acme owns 44 receivers after two syncs; its members 110..139 are then removed in the CRM, so the
next plan removes 30, more than the guard's max(10, 20 % of 44). Approvals are written as the page writes them
(``SyncApprovalStore.create``); ``dag.test()`` runs as the user ``dag_test``, so that user is the approver.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers.audit import audit_events, run_actor
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import get_dag, manual_run_id, run_dag
from sqlalchemy import text

from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate
from cleverreach.sync.approval_store import SyncApprovalStore

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-approval-1"
GROUP, DAG = "1001", "cleverreach_sync_recipients"
APPROVER = Actor.user("dag_test")  # dag.test()'s triggering user


@pytest.fixture
def blocked(emulator, crm_engine, monkeypatch) -> int:
    """The world above, its blocked plan of 30 removals stored; returns that sync_run's id."""
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "attributes": [{"name": "ext_id", "type": "text"}],
                                         "groups": [{"id": GROUP, "name": "Newsletter", "receivers": []}]}]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_addresses(crm_engine, [{"id": 100, "tenant_id": "acme", "name": "Bäckerei Müller", "city": "Köln"}])
    add_contacts(crm_engine, [{"id": 100 + i, "tenant_id": "acme", "address_id": 100, "email": f"m{i}@example.org"}
                              for i in range(44)])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"g": GROUP})
    add_members(crm_engine, 1, range(100, 144))
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1)
    assert run_dag(DAG, {"tenant": "acme", "list_id": 1}).state == "success"
    assert len(receivers(emulator)) == 44
    remove_members(crm_engine, range(110, 140))
    assert run_dag(DAG, {"tenant": "acme", "list_id": 1}).state == "failed"
    run = last_run(crm_engine)
    assert (run["status"], run["removed"]) == ("blocked", 30)
    emulator.client.clear_requests()
    return run["id"]


def receivers(emulator) -> set[str]:
    return {r["email"] for r in emulator.client.group_receivers(GROUP)}


def remove_members(engine, contact_ids) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 1 AND contact_person_id IN "
                          f"({', '.join(str(int(c)) for c in contact_ids)})"))


def last_run(engine) -> dict:
    return fetch(engine, "SELECT * FROM sync_run ORDER BY id DESC")[0]


def approve(engine, blocked_run: int, run_id: str, max_removals: int = 30, approver: Actor = APPROVER) -> int:
    return SyncApprovalStore(engine).create(tenant_id="acme", list_id="1", blocked_sync_run_id=blocked_run,
                                            max_removals=max_removals, approver=approver, dag_id=DAG, dag_run_id=run_id)


def approval(engine, approval_id: int) -> dict:
    return fetch(engine, "SELECT * FROM sync_approval WHERE id = :id", id=approval_id)[0]


def fresh_date() -> datetime:
    """A logical date (and so a run id) no other run of the test has: now."""
    return datetime.now(UTC)


def test_conf_allow_mass_removal_no_longer_lifts_the_guard(blocked, emulator, crm_engine):
    """The editor's attack: trigger the sync with ``allow_mass_removal: true`` in the conf. The DAG has no such
    param (the trigger form shows no checkbox), the key does not matter, the plan is blocked, nothing removed."""
    assert "allow_mass_removal" not in get_dag(DAG).params
    result = run_dag(DAG, {"tenant": "acme", "list_id": 1, "allow_mass_removal": True})
    assert result.state == "failed" and result.states("sync_list") == ["failed"]
    assert emulator.client.counters()["writes"] == 0 and len(receivers(emulator)) == 44
    run = last_run(crm_engine)
    assert run["status"] == "blocked" and run["id"] != blocked
    assert "No approval is bound to this run" in run["message"] and "an admin approves" in run["message"]
    assert audit_events(crm_engine, "sync_")[-2]["detail"] == {"sync_run_id": run["id"], "dry_run": False,
                                                               "taken_over": []}


def test_an_approval_bound_to_another_run_does_nothing(blocked, emulator, crm_engine):
    """An admin's approval exists, but for the page's run: a run of another id (an editor's) cannot use it."""
    approval_id = approve(crm_engine, blocked, "approved__the_admins_run")
    result = run_dag(DAG, {"tenant": "acme", "list_id": 1, "allow_mass_removal": True})
    assert result.state == "failed" and emulator.client.counters()["writes"] == 0
    assert "No approval is bound to this run" in last_run(crm_engine)["message"]
    assert approval(crm_engine, approval_id)["used_at"] is None


def test_an_approval_of_another_user_does_not_count(blocked, emulator, crm_engine):
    """The approval's run id, re-created by someone who is not the approver (e.g. after the run was deleted)."""
    date = fresh_date()
    approve(crm_engine, blocked, manual_run_id(date), approver=Actor.user("someone_else"))
    assert run_dag(DAG, {"tenant": "acme", "list_id": 1}, logical_date=date).state == "failed"
    assert emulator.client.counters()["writes"] == 0
    assert "was given by user:someone_else; this run acts as user:dag_test" in last_run(crm_engine)["message"]


def test_a_plan_grown_since_the_approval_is_blocked_again(blocked, emulator, crm_engine):
    """The admin approved 30 removals; five more members left before the approved run: it removes nothing."""
    date = fresh_date()
    approval_id = approve(crm_engine, blocked, manual_run_id(date))
    remove_members(crm_engine, range(105, 110))
    result = run_dag(DAG, {"tenant": "acme", "list_id": 1}, logical_date=date)
    assert result.state == "failed" and emulator.client.counters()["writes"] == 0
    assert len(receivers(emulator)) == 44
    run = last_run(crm_engine)
    assert run["status"] == "blocked" and run["run_id"] == manual_run_id(date)
    assert (f"The plan changed since the approval {approval_id} (of sync_run {blocked}): 35 removals, approved 30 / "
            "5 receivers not in the approved plan") in run["message"]
    assert approval(crm_engine, approval_id)["used_at"] is None


def test_a_bound_approval_within_the_plan_applies_once(blocked, emulator, crm_engine):
    """Fifteen of the thirty came back before the approved run: it removes the other fifteen (a part of the approved
    plan) and uses the approval. The same run id again (a cleared or re-created run) finds the approval used."""
    date = fresh_date()
    run_id = manual_run_id(date)
    approval_id = approve(crm_engine, blocked, run_id)
    add_members(crm_engine, 1, range(110, 125))
    result = run_dag(DAG, {"tenant": "acme", "list_id": 1}, logical_date=date)
    assert result.state == "success", result.task_states
    assert result.returns["sync_list"][0]["removed"] == 15
    assert receivers(emulator) == {f"m{i}@example.org" for i in [*range(25), *range(40, 44)]}
    applied = last_run(crm_engine)
    used = approval(crm_engine, approval_id)
    assert used["used_at"] is not None and used["used_by_sync_run"] == applied["id"]
    (event,) = audit_events(crm_engine, "sync_approval_used")
    assert event["detail"] == {"approval_id": approval_id, "sync_run_id": applied["id"], "approved_sync_run_id": blocked,
                               "max_removals": 30, "removals": 15}
    assert (event["actor"], event["run_id"], event["list_id"]) == (run_actor(DAG, run_id), run_id, "1")

    remove_members(crm_engine, range(110, 125))
    emulator.client.clear_requests()
    again = run_dag(DAG, {"tenant": "acme", "list_id": 1}, logical_date=date)
    assert again.state == "failed" and emulator.client.counters()["writes"] == 0
    assert f"The approval {approval_id} bound to this run was used already (by sync_run {applied['id']})" in (
        last_run(crm_engine)["message"])
