"""One list's sync as a service: the group is read beside the CRM's side, and stops when that side fails; a
changes-only sync (``sync.scope``) reads and writes only what changed, and a full reconciliation after it finds
nothing left to do."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from sqlalchemy import text

from cleverreach.clock import utcnow
from cleverreach.crm.migrations import migrate
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.lists.target import ListTarget
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.list_state import ListState
from cleverreach.sync.scope import Fallback
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


# ---------------------------------------------------------------------- changes-only syncs
CONTACTS = 30


@pytest.fixture
def crm(emulator, crm_engine, monkeypatch):
    """List 1 of tenant acme (30 members, contacts 1..30, a few of them with umlauts) ↔ group 1001 (empty)."""
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "groups": [{"id": GROUP, "name": "Newsletter", "receivers": []}]}]})
    connect(monkeypatch, emulator)
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [{"id": i, "tenant_id": "acme", "email": f"person{i}@example.com",
                               "last_name": "Müller" if i % 7 == 0 else f"Name {i}"} for i in range(1, CONTACTS + 5)])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"g": GROUP})
    add_members(crm_engine, 1, range(1, CONTACTS + 1))
    return crm_engine


def connect(monkeypatch, emulator, **extra) -> None:
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                               **{"reconcile_hours": 24, **extra})


def run_sync(crm, *, full: bool = False, run: str = "r") -> dict:
    return ListSync(CleverReachHook("cleverreach_acme"), RunLedger(crm), ListTarget("acme", "1", GROUP, "acme/1"),
                    dag_id="d", run_id=run, full=full).run(dry_run=False)


def last_scope(crm) -> str:
    return fetch(crm, "SELECT scope FROM sync_run ORDER BY id DESC")[0]["scope"]


def whole_group_reads(emulator) -> int:
    """Reads of the group's receivers by page, not by id or address."""
    return sum(1 for r in emulator.client.requests() if r["method"] == "GET"
               and r["path"].endswith(f"/groups/{GROUP}/receivers") and "_list=" not in (r.get("query") or ""))


def group(emulator) -> dict[str, dict]:
    return {r["email"]: r for r in emulator.client.group_receivers(GROUP)}


def change_contact(crm, contact_id: int, **values) -> None:
    sets = ", ".join(f"{name} = :{name}" for name in values)
    with crm.begin() as conn:
        conn.execute(text(f"UPDATE contact_person SET {sets}, changed_at = :now WHERE id = :id"),
                     {**values, "now": utcnow() + timedelta(seconds=1), "id": contact_id})


def test_a_resync_without_changes_reads_no_page_of_the_group_and_writes_nothing(crm, emulator):
    first = run_sync(crm)
    assert last_scope(crm) == "full" and first["added"] == CONTACTS
    emulator.client.clear_requests()
    again = run_sync(crm, run="r2")
    assert last_scope(crm) == "changes"
    assert whole_group_reads(emulator) == 0
    assert not [r for r in emulator.client.requests() if r["method"] != "GET" and "/receivers" in r["path"]]
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, CONTACTS)


def test_changes_are_written_and_a_full_reconciliation_after_them_finds_nothing_to_do(crm, emulator):
    run_sync(crm)
    change_contact(crm, 5, email="new5@example.com")  # a new address: add it, remove the old receiver
    change_contact(crm, 6, last_name="Ändert")  # an attribute
    with crm.begin() as conn:
        conn.execute(text("DELETE FROM recipient_list_member WHERE contact_person_id = 7"))  # left the list
        conn.execute(text("UPDATE contact_person SET no_marketing = :t WHERE id = 8"), {"t": True})  # no changed_at
    add_members(crm, 1, [31])  # joined the list
    emulator.client.clear_requests()
    result = run_sync(crm, run="r2")
    assert last_scope(crm) == "changes" and whole_group_reads(emulator) == 0
    assert (result["added"], result["updated"], result["removed"]) == (2, 1, 3)
    receivers = group(emulator)
    assert "new5@example.com" in receivers and "person5@example.com" not in receivers
    assert "person7@example.com" not in receivers and "person8@example.com" not in receivers
    assert receivers["person31@example.com"]["global_attributes"]["ext_id"] == "31"
    assert receivers["person6@example.com"]["global_attributes"]["lastname"] == "Ändert"

    check = run_sync(crm, full=True, run="r3")
    assert last_scope(crm) == "full"
    assert (check["added"], check["updated"], check["removed"]) == (0, 0, 0)


def test_an_unsubscribed_receiver_is_not_written_to_nor_its_person_added_under_a_new_address(crm, emulator):
    run_sync(crm)
    emulator.client.unsubscribe(CLIENT, "person9@example.com", GROUP)
    emulator.client.unsubscribe(CLIENT, "person10@example.com", GROUP)
    change_contact(crm, 9, last_name="Changed")
    change_contact(crm, 10, email="fresh10@example.com")
    result = run_sync(crm, run="r2")
    assert last_scope(crm) == "changes"
    assert (result["added"], result["updated"], result["removed"]) == (0, 0, 0)
    receivers = group(emulator)
    assert "fresh10@example.com" not in receivers
    assert receivers["person9@example.com"]["global_attributes"].get("lastname") != "Changed"
    assert not receivers["person9@example.com"]["active"] and not receivers["person10@example.com"]["active"]
    states = {r["contact_person_id"]: r["sync_state"] for r in
              fetch(crm, "SELECT contact_person_id, sync_state FROM recipient_list_member WHERE contact_person_id IN (9, 10)")}
    assert states == {9: "unsubscribed", 10: "unsubscribed"}


@pytest.mark.parametrize("switched_on_later", [False, True])
def test_a_contact_named_by_a_receiver_not_ours_is_decided_by_the_whole_group(crm, emulator, monkeypatch,
                                                                                switched_on_later):
    run_sync(crm)  # creates the global attribute ext_id
    emulator.client.signup(CLIENT, GROUP, "elsewhere32@example.com", global_attributes={"ext_id": "32"})
    emulator.client.unsubscribe(CLIENT, "elsewhere32@example.com", GROUP)
    if switched_on_later:  # the full run that finds the receiver ran while changes-only syncs were off
        connect(monkeypatch, emulator, reconcile_hours=0)
    run_sync(crm, full=True, run="r1")  # finds the receiver that names contact 32
    connect(monkeypatch, emulator)
    assert fetch(crm, "SELECT contact_person_id FROM sync_foreign_ext_id") == [{"contact_person_id": "32"}]
    add_members(crm, 1, [32])
    emulator.client.clear_requests()
    result = run_sync(crm, run="r2")
    assert last_scope(crm) == "full" and whole_group_reads(emulator) > 0
    assert result["added"] == 0 and "person32@example.com" not in group(emulator)  # unsubscribed under another address


def test_a_receiver_shared_with_another_contact_is_decided_by_the_whole_group(crm, emulator):
    run_sync(crm)
    change_contact(crm, 11, email="person12@example.com")  # the address of another member's receiver
    result = run_sync(crm, run="r2")
    assert last_scope(crm) == "full"
    assert result["rejected"] >= 1  # one address, two contacts: the diff's own rule, on the whole list


@pytest.mark.parametrize("why", ["off", "asked", "failed_since", "due", "too_many", "removals", "record_short", "intents",
                                 "unresolved"])
def test_the_whole_group_is_read_when_a_changes_only_run_is_not_allowed(crm, emulator, monkeypatch, caplog, why):
    run_sync(crm)
    full = False
    if why == "off":
        connect(monkeypatch, emulator, reconcile_hours=0)
    elif why == "asked":
        full = True
    elif why == "failed_since":
        with crm.begin() as conn:
            conn.execute(text("INSERT INTO sync_run (tenant_id, list_id, dag_id, run_id, started_at, status, dry_run) "
                              "VALUES ('acme', '1', 'd', 'x', :now, 'failed', :f)"), {"now": utcnow(), "f": False})
    elif why == "due":
        with crm.begin() as conn:
            conn.execute(text("UPDATE sync_run SET started_at = :then"), {"then": utcnow() - timedelta(hours=25)})
    elif why == "too_many":
        connect(monkeypatch, emulator, changes_limit=2)
        for contact in (1, 2, 3):
            change_contact(crm, contact, last_name="Neu")
    elif why == "removals":
        connect(monkeypatch, emulator, mass_removal_min=2)
        with crm.begin() as conn:
            conn.execute(text("DELETE FROM recipient_list_member WHERE contact_person_id IN (1, 2, 3)"))
    elif why == "record_short":  # as a tenant's move leaves it: the group's receivers are no longer known as ours
        with crm.begin() as conn:
            conn.execute(text("DELETE FROM sync_owned_receiver WHERE contact_person_id = '3'"))
    elif why == "intents":  # an interrupted run's
        with crm.begin() as conn:
            conn.execute(text("INSERT INTO sync_owner_intent (list_id, group_id, email_key, contact_person_id, origin, "
                              "sync_run_id, created_at) VALUES ('1', :g, 'x@example.com', '3', 'created', 1, :now)"),
                         {"g": GROUP, "now": utcnow()})
    elif why == "unresolved":  # an owned receiver known by its address key only (as an interrupted run leaves it)
        with crm.begin() as conn:
            conn.execute(text("UPDATE sync_owned_receiver SET receiver_id = NULL WHERE contact_person_id = '3'"))
        change_contact(crm, 3, last_name="Neu")
    emulator.client.clear_requests()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="cleverreach.sync.service"):
        result = run_sync(crm, full=full, run="r2")
    assert last_scope(crm) == "full" and whole_group_reads(emulator) > 0
    reasons = {"asked": Fallback.ASKED, "failed_since": Fallback.UNSETTLED, "due": Fallback.DUE,
               "too_many": Fallback.TOO_MANY, "removals": Fallback.REMOVALS, "record_short": Fallback.RECORD_SHORT,
               "intents": Fallback.INTENTS, "unresolved": Fallback.UNRESOLVED}
    if why == "off":  # no reason worth a line where the feature is off
        assert "the whole group is read" not in caplog.text
    else:
        assert f"the whole group is read: {reasons[why].value}" in caplog.text
    if why == "removals":
        assert result["removed"] == 3  # the guard's share of the whole record, not of the changes
    if why == "record_short":
        assert fetch(crm, "SELECT count(*) AS n FROM sync_owned_receiver")[0]["n"] == CONTACTS  # adopted again
