"""The run ledger: the per-list lease (who may take a running sync over, and the fence that stops the attempt it
was taken from), the stored plan and the run's alert and removals.

A lease is a ``running`` sync_run row held by one task attempt (``holder`` = DAG, run, task and map index;
``attempt`` = Airflow's try number). A newer attempt of the same task takes it over at once (its retry,
within the retry delay); anyone else only once the holder's heartbeat is older than the lease timeout.
An attempt whose lease was taken over can write neither its run nor its results any more.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import LeaseLostError, SyncInProgressError
from cleverreach.sync.ledger import RunLedger

HOLDER = "cleverreach_sync_recipients/manual__1/sync_list/0"


@pytest.fixture
def engine(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'a', '10', 'L', CURRENT_TIMESTAMP)"))
    return crm_engine


def attempt(engine, try_number: int, holder: str = HOLDER, timeout: timedelta = timedelta(minutes=10)) -> RunLedger:
    return RunLedger(engine, lease_timeout=timeout, holder=holder, attempt=try_number)


def start(store: RunLedger, run_id: str = "manual__1") -> int:
    return store.start_run(tenant_id="a", list_id=1, dag_id="cleverreach_sync_recipients", run_id=run_id, dry_run=False)


def statuses(engine) -> dict[int, str]:
    return {r["id"]: r["status"] for r in fetch(engine, "SELECT id, status FROM sync_run")}


def test_the_retry_takes_the_lease_over_at_once_and_fences_the_abandoned_attempt(engine):
    first = attempt(engine, 1)
    old_run = start(first)
    retry = attempt(engine, 2)
    new_run = start(retry)  # no waiting: the holder's own retry
    assert statuses(engine) == {old_run: "abandoned", new_run: "running"}

    # the abandoned attempt wakes up: its fence fails, read or written; it can neither record a batch nor finish
    for check in (first.holds, first.fence):
        with pytest.raises(LeaseLostError):
            check(old_run)
    retry.holds(new_run)
    with pytest.raises(LeaseLostError):
        first.record_results(old_run, "add", ["x@example.org"], [])
    with pytest.raises(LeaseLostError):
        first.finish_run(old_run, "success", {"added": 5}, None)
    rows = fetch(engine, "SELECT id, status, added FROM sync_run ORDER BY id")
    assert [(r["status"], r["added"]) for r in rows] == [("abandoned", 0), ("running", 0)]

    retry.record_results(new_run, "add", [], [])  # the new holder goes on
    retry.finish_run(new_run, "success", {"added": 5}, None)
    assert statuses(engine) == {old_run: "abandoned", new_run: "success"}


def test_an_older_or_the_same_attempt_never_takes_a_newer_one_over(engine):
    start(attempt(engine, 2))
    for try_number in (1, 2):
        with pytest.raises(SyncInProgressError, match="is being synced"):
            start(attempt(engine, try_number))


def test_another_task_of_the_same_run_is_refused(engine):
    start(attempt(engine, 1))
    with pytest.raises(SyncInProgressError, match="is being synced"):
        start(attempt(engine, 1, holder="cleverreach_sync_recipients/manual__1/sync_list/1"))


def test_another_run_waits_for_a_fresh_heartbeat_and_takes_a_stale_lease_over(engine):
    holder = attempt(engine, 1)
    held = start(holder)
    other = "cleverreach_sync_recipients/manual__2/sync_list/0"
    with pytest.raises(SyncInProgressError):
        start(attempt(engine, 1, holder=other), run_id="manual__2")
    holder.record_results(held, "add", [], [])  # a heartbeat
    with pytest.raises(SyncInProgressError):
        start(attempt(engine, 1, holder=other), run_id="manual__2")

    taken = start(attempt(engine, 1, holder=other, timeout=timedelta(seconds=-1)), run_id="manual__2")
    assert statuses(engine) == {held: "abandoned", taken: "running"}
    with pytest.raises(LeaseLostError):
        holder.finish_run(held, "failed", {}, "crashed")


def test_the_lease_records_its_holder_attempt_and_heartbeat(engine):
    run = start(attempt(engine, 3))
    (row,) = fetch(engine, "SELECT lease_holder, attempt, heartbeat_at, started_at FROM sync_run WHERE id = :id", id=run)
    assert (row["lease_holder"], row["attempt"]) == (HOLDER, 3)
    assert row["heartbeat_at"] is not None


def test_a_lease_refused_by_another_constraint_is_that_error_not_a_busy_list(engine):
    """Only the running row's unique index means "busy": any other refusal of the insert (here the tenant's NOT
    NULL; on PostgreSQL also an identity behind explicitly inserted ids) is raised as itself, so a task fails
    with the real cause instead of being retried as if a sync held the list."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        attempt(engine, 1).start_run(tenant_id=None, list_id=1, dag_id="cleverreach_sync_recipients",
                                     run_id="manual__1", dry_run=False)
    start(attempt(engine, 1))
    with pytest.raises(SyncInProgressError):  # the busy list stays "busy"
        start(attempt(engine, 1, holder="another/run/sync_list/0"), run_id="manual__2")


def test_a_second_run_on_the_same_list_is_refused_until_the_first_finishes(engine):
    ledger = RunLedger(engine)
    first = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r1", dry_run=False)
    with pytest.raises(SyncInProgressError, match="is being synced by sync_run"):
        ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r2", dry_run=False)
    ledger.finish_run(first, "success", {}, None)
    ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r2", dry_run=False)  # free again


def test_a_retry_of_the_same_run_without_a_holder_takes_over_its_crashed_lease(engine):
    ledger = RunLedger(engine)
    crashed = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r1", dry_run=False)
    again = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r1", dry_run=False)
    assert statuses(engine) == {crashed: "abandoned", again: "running"}


def test_a_stale_lease_is_taken_over_by_another_run(engine):
    ledger = RunLedger(engine)
    ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r1", dry_run=False)
    ledger.lease_timeout = timedelta(seconds=-1)
    ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r2", dry_run=False)
    assert sorted(statuses(engine).values()) == ["abandoned", "running"]


def test_the_alert_is_set_on_the_run_and_only_applied_runs_count_as_recent_removals(engine):
    ledger = RunLedger(engine)
    dry = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r1", dry_run=True)
    ledger.finish_run(dry, "dry_run", {"removed": 9}, None)
    run = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r2", dry_run=False)
    ledger.set_alert(run, "many removals")
    ledger.finish_run(run, "success", {"removed": 3}, None)
    assert fetch(engine, "SELECT alert FROM sync_run WHERE id = :id", id=run)[0]["alert"] == "many removals"
    assert ledger.recent_removals("1") == [3]


def test_the_stored_plan_keeps_every_value_exactly(engine):
    """``record_plan`` writes the rows ``sync.changes`` builds; each JSON value is what ``json.dumps`` writes."""
    import json

    from cleverreach.sync.fields import ATTRIBUTES
    from cleverreach.sync.plan import SyncPlan

    tricky = ['Frau "Dr."', "Jürgen \\ Groß", "tab\there", "😀 ok", "", "<b>&amp;</b>", "line\nbreak", "ß"]
    adds = pd.DataFrame({"contact_person_id": [1, 2], "email": ["a@example.org", "b@example.org"],
                         "reason": ["new member", "new member"],
                         **{name: [tricky[i % 8], tricky[(i + 3) % 8]] for i, name in enumerate(ATTRIBUTES)}})
    updates = pd.DataFrame({"contact_person_id": [3], "email_old": ["c@example.org"], "reason": ["changed"],
                            "ext_id": ["3"], "ext_id_old": ["3"], **{n: ["neu"] for n in ATTRIBUTES},
                            **{f"{n}_old": ["neu" if n != "lastname" else "alt"] for n in ATTRIBUTES}})
    removes = pd.DataFrame({"email": ["d@example.org", "e@example.org"], "reason": ["left", "withdrawn"],
                            "contact_person_id": [4.0, float("nan")], "ext_id": ["4", "x\"y"], "receiver_id": ["r4", "r5"],
                            "erase": [False, True]})
    refused = pd.DataFrame({"contact_person_id": [6, 7], "email": ["f@example.org", ""], "reason": ["refused", "refused"],
                            "sync_state": ["pending", "rejected"], "action": ["add", "update"]})
    unsubscribed = pd.DataFrame({"contact_person_id": [8], "email": ["g@example.org"], "reason": ["unsubscribed"]})
    rejected = pd.DataFrame({"contact_person_id": [9], "email": [""], "reason": ["missing e-mail"],
                             "sync_state": [None], "sync_error": [None]})
    empty = pd.DataFrame({"contact_person_id": [], "email": [], "reason": []})
    plan = SyncPlan(adds=adds, updates=updates, removes=removes, unsubscribed=unsubscribed, bounced=empty,
                    refused=refused)
    ledger = RunLedger(engine)
    run = start(ledger)
    ledger.record_plan(run, "1", plan, rejected, removal_mode="deactivate")

    rows = fetch(engine, "SELECT contact_person_id, email, action, reason, old_value, new_value, result, error "
                         "FROM sync_change WHERE run_id = :run ORDER BY id", run=run)

    def dumped(value: dict) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    expected = [
        *[(str(r["contact_person_id"]), r["email"], "add", "new member", None, dumped({n: r[n] for n in ATTRIBUTES}),
           "planned", None) for r in adds.to_dict("records")],
        ("3", "c@example.org", "update", "changed", dumped({"lastname": "alt"}), dumped({"lastname": "neu"}), "planned", None),
        ("4", "d@example.org", "deactivate", "left", dumped({"ext_id": "4"}), None, "planned", None),
        (None, "e@example.org", "remove", "withdrawn", dumped({"ext_id": 'x"y'}), None, "planned", None),
        ("9", None, "reject", "missing e-mail", None, dumped({"sync_state": "rejected"}), "rejected", None),
        ("6", "f@example.org", "reject", "refused", None, dumped({"sync_state": "pending"}), "rejected", None),
        ("7", None, "reject", "refused", None, dumped({"sync_state": "rejected"}), "rejected", None),
        ("8", "g@example.org", "keep", "unsubscribed", None, dumped({"sync_state": "unsubscribed"}), "unsubscribed", None),
    ]
    assert [tuple(r.values()) for r in rows] == expected
