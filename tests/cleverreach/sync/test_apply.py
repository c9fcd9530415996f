"""Applying a plan: an applied run stores its inserts' and updates' ``sync_change`` rows as their batches settle,
with their results, and a run that stops (blocked, failed midway) still has its whole plan stored, the writes it
did not make as ``planned``."""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import MassRemovalError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.lists.target import ListTarget
from cleverreach.sync.apply import PlanApplier
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.service import ListSync

CLIENT, SECRET, GROUP = "acme-client", "acme-secret-000111", "1001"
MEMBERS = 12


@pytest.fixture
def crm(emulator, crm_engine, monkeypatch):
    """List 1 of tenant acme (contacts 1..12, one at an address with umlauts) ↔ group 1001 (empty); CleverReach
    takes two receivers per call and the sync settles every batch on its own (a window per batch)."""
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "attributes": [{"name": "ext_id", "type": "text"}],
                                         "groups": [{"id": GROUP, "name": "Newsletter", "receivers": []}]}]})
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET, batch_size=2,
                               retry_initial_wait=0.01, retry_max_wait=0.05, mass_removal_min=5)
    monkeypatch.setattr(PlanApplier, "SETTLE_BATCHES", 1)
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    emails = {i: f"person{i:02d}@example.com" for i in range(1, MEMBERS + 3)}
    emails[12] = "jürgen@bücher.example"
    add_contacts(crm_engine, [{"id": i, "tenant_id": "acme", "email": e, "last_name": f"Name {i}"} for i, e in emails.items()])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"g": GROUP})
    add_members(crm_engine, 1, range(1, MEMBERS + 1))
    return crm_engine


def run_sync(crm, run: str) -> dict:
    return ListSync(CleverReachHook("cleverreach_acme"), RunLedger(crm), ListTarget("acme", "1", GROUP, "acme/1"),
                    dag_id="d", run_id=run).run(dry_run=False)


def changes(crm, run: str) -> list[dict]:
    return fetch(crm, "SELECT c.contact_person_id, c.email, c.action, c.result, c.error FROM sync_change c "
                      "JOIN sync_run r ON r.id = c.run_id WHERE r.run_id = :run ORDER BY c.id", run=run)


def test_an_applied_runs_writes_are_stored_once_with_their_results(crm, emulator):
    assert run_sync(crm, "first")["added"] == MEMBERS
    rows = changes(crm, "first")
    assert [(r["action"], r["result"], r["error"]) for r in rows] == [("add", "ok", None)] * MEMBERS
    assert sorted(int(r["contact_person_id"]) for r in rows) == list(range(1, MEMBERS + 1))

    # the umlaut address is refused from now on (an emulator reading: idn_spelling "refused"); two names change
    emulator.client.update_settings(idn_spelling="refused")
    with crm.begin() as conn:
        conn.execute(text("UPDATE contact_person SET last_name = 'Neu' WHERE id IN (3, 12)"))
    result = run_sync(crm, "second")
    assert (result["updated"], result["failed"], result["status"]) == (1, 1, "partial")
    rows = {int(r["contact_person_id"]): r for r in changes(crm, "second") if r["action"] == "update"}
    assert (rows[3]["result"], rows[3]["error"]) == ("ok", None)
    assert rows[12]["result"] == "failed" and rows[12]["error"].startswith("CleverReach refused the update")
    assert fetch(crm, "SELECT count(*) AS n FROM sync_change WHERE result = 'planned'")[0]["n"] == 0


def test_a_run_that_fails_midway_has_its_whole_plan_stored(crm, emulator):
    # the third insert call fails for good: two windows of two receivers are settled, the rest was never sent
    emulator.client.set_faults(next=[{"status": 403, "path_regex": "receivers/insert", "skip": 2, "count": 1}])
    with pytest.raises(Exception):
        run_sync(crm, "failing")
    rows = changes(crm, "failing")
    assert sorted(int(r["contact_person_id"]) for r in rows) == list(range(1, MEMBERS + 1))  # each once
    assert [r["result"] for r in rows] == ["ok"] * 4 + ["planned"] * (MEMBERS - 4)
    assert {r["email"] for r in rows[:4]} == {r["email"] for r in emulator.client.group_receivers(GROUP)}
    assert fetch(crm, "SELECT status FROM sync_run")[0]["status"] == "failed"

    assert run_sync(crm, "again")["added"] == MEMBERS - 4


def test_a_blocked_run_has_its_whole_plan_stored_as_planned(crm, emulator):
    run_sync(crm, "first")
    with crm.begin() as conn:  # seven of twelve leave, two join: the guard blocks the removals
        conn.execute(text("DELETE FROM recipient_list_member WHERE contact_person_id <= 7"))
        conn.execute(text("UPDATE contact_person SET last_name = 'Neu' WHERE id = 8"))
    add_members(crm, 1, [13, 14])
    emulator.client.clear_requests()
    with pytest.raises(MassRemovalError):
        run_sync(crm, "blocked")
    rows = changes(crm, "blocked")
    assert sorted((r["action"], r["result"]) for r in rows if r["action"] != "keep") == [
        ("add", "planned")] * 2 + [("remove", "planned")] * 7 + [("update", "planned")]
    assert not [r for r in emulator.client.requests() if r["method"] != "GET" and "/receivers" in r["path"]]
