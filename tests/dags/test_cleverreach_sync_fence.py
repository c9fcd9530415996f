"""cleverreach_sync_recipients through Airflow: ownership intents survive a run that dies between the insert
and its ownership record, and the lease's fence stops an attempt that was taken over before it writes."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.clock import as_utc
from cleverreach.crm.migrations import migrate
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.sync.apply import PlanApplier
from cleverreach.sync.fence import Fence
from cleverreach.sync.service import ListSync
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.list_state import ListState

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-000111"
GROUP = "1001"
DAG = "cleverreach_sync_recipients"
SYNC = {"tenant": "acme", "list_id": 1}
PEOPLE = {1: "anna@example.org", 2: "ben@example.org", 3: "carl@example.org"}


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    """Tenant acme: list 1 ↔ group 1001 (holding a form sign-up); contacts 1..3 are the list's members."""
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": GROUP, "name": "Newsletter", "receivers": [{"email": "form@example.org"}]}],
    }]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [{"id": cid, "tenant_id": "acme", "email": email} for cid, email in PEOPLE.items()])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"g": GROUP})
    add_members(crm_engine, 1, list(PEOPLE))
    connect(monkeypatch, emulator)
    return emulator


def connect(monkeypatch, emulator, **extra) -> None:
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1, **extra)


def group_emails(emulator) -> set[str]:
    return {r["email"].lower() for r in emulator.client.group_receivers(GROUP)}


def remove_member(engine, contact_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 1 AND contact_person_id = :c"),
                     {"c": contact_id})


def writes(emulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.client.requests() if r["method"] in ("POST", "PUT", "DELETE")
            and "/oauth/" not in r["path"]]


def test_receivers_inserted_by_a_run_that_died_before_recording_them_are_owned_and_removed_later(
        world, crm_engine, monkeypatch):
    saved = ListState.save_owned

    def dies_after_the_insert(self, rows, drop_keys=(), **kwargs):
        if (rows["origin"] == "created").any():
            raise RuntimeError("the state database went away")
        return saved(self, rows, drop_keys, **kwargs)

    monkeypatch.setattr(ListState, "save_owned", dies_after_the_insert)
    died = run_dag(DAG, SYNC)
    assert died.state == "failed"
    assert group_emails(world) == {"form@example.org", *PEOPLE.values()}  # inserted in CleverReach...
    assert fetch(crm_engine, "SELECT * FROM sync_owned_receiver") == []  # ...and owned by nobody
    monkeypatch.setattr(ListState, "save_owned", saved)

    remove_member(crm_engine, 1)  # anna leaves the list before the next run
    again = run_dag(DAG, SYNC)
    assert again.state == "success", again
    assert again.returns["sync_list"][0]["removed"] == 1
    assert group_emails(world) == {"form@example.org", "ben@example.org", "carl@example.org"}  # anna's receiver went
    owned = {r["email_key"]: r["origin"] for r in fetch(crm_engine, "SELECT email_key, origin FROM sync_owned_receiver")}
    assert owned == {"ben@example.org": "created", "carl@example.org": "created"}  # the run's own, as the intents said
    assert fetch(crm_engine, "SELECT * FROM sync_owner_intent") == []

    remove_member(crm_engine, 2)  # and a later removal removes the next one
    assert run_dag(DAG, SYNC).state == "success"
    assert group_emails(world) == {"form@example.org", "carl@example.org"}


def test_a_finished_run_leaves_no_intents(world, crm_engine):
    assert run_dag(DAG, SYNC).state == "success"
    assert fetch(crm_engine, "SELECT * FROM sync_owner_intent") == []
    assert len(fetch(crm_engine, "SELECT * FROM sync_owned_receiver")) == 3


@pytest.mark.parametrize("removal_mode", ["delete", "deactivate"])
def test_an_attempt_whose_lease_was_taken_over_before_the_removals_writes_nothing(
        world, crm_engine, monkeypatch, removal_mode):
    connect(monkeypatch, world, removal_mode=removal_mode)
    assert run_dag(DAG, SYNC).state == "success"
    remove_member(crm_engine, 1)
    remove_member(crm_engine, 2)
    ensure = ListSync._ensure_attributes

    def taken_over_meanwhile(self):
        ensure(self)  # the last step before the writes: a newer attempt of the task takes the lease over now
        (running,) = fetch(crm_engine, "SELECT lease_holder, attempt, run_id FROM sync_run WHERE status = 'running'")
        RunLedger(crm_engine, holder=running["lease_holder"], attempt=int(running["attempt"] or 1) + 1).start_run(
            tenant_id="acme", list_id="1", dag_id=DAG, run_id=running["run_id"], dry_run=False)

    monkeypatch.setattr(ListSync, "_ensure_attributes", taken_over_meanwhile)
    world.client.clear_requests()
    fenced = run_dag(DAG, SYNC)
    assert fenced.state == "failed"
    assert writes(world) == []  # neither the delete batch nor a deactivation was sent
    assert all(r["active"] for r in world.client.group_receivers(GROUP))
    assert group_emails(world) == {"form@example.org", *PEOPLE.values()}
    statuses = [r["status"] for r in fetch(crm_engine, "SELECT status FROM sync_run ORDER BY id")]
    assert statuses == ["success", "abandoned", "running"]


def test_a_long_paged_read_beats_the_lease(world, crm_engine, monkeypatch):
    """While the group is read, the lease beats after every page: each beat later than the last. The next page is
    requested while the last is worked on (``paginate(prefetch=True)``), so a page's request and the beat after the
    page before it may come in either order; every beat but the last page's falls inside the read."""
    world.client.generate_receivers(CLIENT, GROUP, 9)
    connect(monkeypatch, world, page_size=2)
    monkeypatch.setattr(Fence, "READ_HEARTBEAT_SECONDS", 0.0)  # every page (a real read: every few seconds)
    events: list[tuple[str, datetime | None]] = []
    request, check = CleverReachHook.request, Fence.check

    def watching(self, method, path, *, params=None, json=None, **options):
        if method == "GET" and path.endswith(f"groups/{GROUP}/receivers") and params and "order_by" in params:
            events.append(("page", None))
        return request(self, method, path, params=params, json=json, **options)  # rows: the typed receiver page

    def beating(self):
        check(self)
        (row,) = fetch(crm_engine, "SELECT heartbeat_at FROM sync_run WHERE status = 'running'")
        events.append(("beat", as_utc(row["heartbeat_at"])))

    monkeypatch.setattr(CleverReachHook, "request", watching)
    monkeypatch.setattr(Fence, "check", beating)
    assert run_dag(DAG, {**SYNC, "dry_run": True}).state == "success"
    pages = [at for at, (kind, _) in enumerate(events) if kind == "page"]
    assert len(pages) >= 6  # ten receivers in pages of two, and the empty page that ends the read
    beats = [when for at, (kind, when) in enumerate(events) if kind == "beat" and pages[0] < at < pages[-1]]
    assert len(beats) >= len(pages) - 2  # a beat per page with rows, the last one's perhaps after the empty page
    assert beats == sorted(beats) and len(set(beats)) == len(beats)  # the heartbeat moved on with every page


def test_batches_settled_together_leave_intents_for_every_receiver_sent_but_not_recorded(
        world, crm_engine, monkeypatch):
    """Ownership is saved every SETTLE_BATCHES batches: a run that dies in the second window leaves the first
    window owned and every receiver it sent after that named by an intent; the next run owns them all."""
    more = {cid: f"person{cid}@example.org" for cid in range(4, 10)}
    add_contacts(crm_engine, [{"id": cid, "tenant_id": "acme", "email": email} for cid, email in more.items()])
    add_members(crm_engine, 1, list(more))
    connect(monkeypatch, world, batch_size=2)
    monkeypatch.setattr(PlanApplier, "SETTLE_BATCHES", 2)
    saved, calls = ListState.save_owned, []

    def dies_in_the_second_window(self, rows, drop_keys=(), **kwargs):
        if (rows["origin"] == "created").any():
            calls.append(len(rows))
            if len(calls) > 1:
                raise RuntimeError("the state database went away")
        return saved(self, rows, drop_keys, **kwargs)

    monkeypatch.setattr(ListState, "save_owned", dies_in_the_second_window)
    assert run_dag(DAG, SYNC).state == "failed"
    monkeypatch.setattr(ListState, "save_owned", saved)
    owned = {r["email_key"] for r in fetch(crm_engine, "SELECT email_key FROM sync_owned_receiver")}
    intended = {r["email_key"] for r in fetch(crm_engine, "SELECT email_key FROM sync_owner_intent")}
    sent = group_emails(world) - {"form@example.org"}
    assert calls[0] == 4 and len(owned) == 4  # the first window: two batches of two
    assert len(sent) >= 8  # the second window went out (and the batch in flight with it)
    assert sent - owned <= intended  # every receiver sent and not recorded is named by an intent

    remove_member(crm_engine, 9)  # the last one leaves the list: its receiver, if sent, is ours to remove
    again = run_dag(DAG, SYNC)
    assert again.state == "success", again
    everyone = {**PEOPLE, **more}
    assert group_emails(world) == {"form@example.org", *(email for cid, email in everyone.items() if cid != 9)}
    assert len(fetch(crm_engine, "SELECT * FROM sync_owned_receiver")) == 8
    assert fetch(crm_engine, "SELECT * FROM sync_owner_intent") == []


def test_member_states_follow_the_settled_windows_and_a_run_that_fails_midway_keeps_them(world, crm_engine, monkeypatch):
    """Where the CRM and the state take two writers (PostgreSQL) the states of settled windows are written by the
    marker while the sends go on (``PlanApplier.MARK_ROWS`` at a time); on SQLite in one pass at the end. Either way a
    run whose state database goes away in its fourth window leaves the members of the three before it synced and the
    others pending, and the next run marks them all."""
    more = {cid: f"person{cid}@example.org" for cid in range(4, 10)}
    add_contacts(crm_engine, [{"id": cid, "tenant_id": "acme", "email": email} for cid, email in more.items()])
    add_members(crm_engine, 1, list(more))
    connect(monkeypatch, world, batch_size=2)
    monkeypatch.setattr(PlanApplier, "SETTLE_BATCHES", 1)
    monkeypatch.setattr(PlanApplier, "MARK_ROWS", 2)
    set_states, saved = ListState.set_member_states, ListState.save_owned
    writers: list[str] = []
    windows: list[int] = []

    def recording(self, contact_ids, state, error=None):
        writers.append(threading.current_thread().name)
        return set_states(self, contact_ids, state, error)

    def gone_from_the_fourth_window(self, rows, drop_keys=(), **kwargs):
        if (rows["origin"] == "created").any():
            windows.append(len(rows))
            if len(windows) >= 4:
                raise RuntimeError("the state database went away")
        return saved(self, rows, drop_keys, **kwargs)

    monkeypatch.setattr(ListState, "set_member_states", recording)
    monkeypatch.setattr(ListState, "save_owned", gone_from_the_fourth_window)
    assert run_dag(DAG, SYNC).state == "failed"
    states = [r["sync_state"] for r in fetch(crm_engine, "SELECT sync_state FROM recipient_list_member WHERE list_id = 1")]
    assert sorted(states) == ["pending"] * 3 + ["synced"] * 6
    beside = any(name.startswith("cleverreach-settle") for name in writers)
    assert beside == (crm_engine.dialect.name != "sqlite")
    # the run's plan is stored whole: the settled windows' inserts with their results, the rest planned
    results = [r["result"] for r in fetch(crm_engine, "SELECT result FROM sync_change WHERE action = 'add' ORDER BY id")]
    assert results == ["ok"] * 6 + ["planned"] * 3

    monkeypatch.setattr(ListState, "save_owned", saved)
    assert run_dag(DAG, SYNC).state == "success"
    states = [r["sync_state"] for r in fetch(crm_engine, "SELECT sync_state FROM recipient_list_member WHERE list_id = 1")]
    assert states == ["synced"] * 9
    assert len(group_emails(world)) == 10
