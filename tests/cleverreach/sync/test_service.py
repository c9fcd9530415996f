"""One list's sync as a service: the group is read beside the CRM's side, and stops when that side fails."""

from __future__ import annotations

import time

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.lists.target import ListTarget
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.list_state import ListState
from cleverreach.sync.service import ListSync

CLIENT, SECRET, GROUP = "acme-client", "acme-secret-000111", "1001"
RECEIVERS, PAGE = 2000, 10


@pytest.fixture
def sync(emulator, crm_engine, monkeypatch) -> ListSync:
    """List 1 of tenant acme ↔ group 1001, which holds 2000 receivers read in pages of 10."""
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "groups": [{"id": GROUP, "name": "Newsletter", "receivers": []}]}]})
    emulator.client.generate_receivers(CLIENT, GROUP, RECEIVERS)
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET, page_size=PAGE)
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"g": GROUP})
    return ListSync(CleverReachHook("cleverreach_acme"), RunLedger(crm_engine), ListTarget("acme", "1", GROUP, "acme/1"),
                    dag_id="d", run_id="r")


def pages_read(emulator) -> int:
    return sum(1 for r in emulator.client.requests() if r["method"] == "GET" and r["path"].endswith(f"/groups/{GROUP}/receivers"))


def test_the_group_is_read_while_the_members_are_and_the_plan_sees_all_of_it(sync, emulator, monkeypatch):
    members = ListState.members
    overlapped = []

    def members_while_the_group_is_read(self):
        deadline = time.monotonic() + 10
        while not pages_read(emulator) and time.monotonic() < deadline:  # the read started before the members
            time.sleep(0.01)
        overlapped.append(pages_read(emulator) > 0)
        return members(self)

    monkeypatch.setattr(ListState, "members", members_while_the_group_is_read)
    emulator.client.clear_requests()
    result = sync.run(dry_run=True)
    assert overlapped == [True]
    assert pages_read(emulator) >= RECEIVERS // PAGE
    assert result["unchanged"] == 0 and fetch(sync.ledger.engine, "SELECT status FROM sync_run")[0]["status"] == "dry_run"


def test_a_failing_read_of_the_members_stops_the_groups_read(sync, emulator, monkeypatch):
    def members_fail(self):
        deadline = time.monotonic() + 10
        while not pages_read(emulator) and time.monotonic() < deadline:
            time.sleep(0.01)
        raise RuntimeError("the CRM went away")

    monkeypatch.setattr(ListState, "members", members_fail)
    emulator.client.clear_requests()
    with pytest.raises(RuntimeError, match="CRM went away"):
        sync.run(dry_run=False)
    assert 1 <= pages_read(emulator) < RECEIVERS // PAGE  # stopped at the page after the failure, not read to the end
    (run,) = fetch(sync.ledger.engine, "SELECT status, message FROM sync_run")
    assert run["status"] == "failed" and "CRM went away" in run["message"]
