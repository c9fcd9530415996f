"""The per-list lease: who may take a running sync over, and the fence that stops the attempt it was taken from.

A lease is a ``running`` sync_run row held by one task attempt (``holder`` = DAG, run, task and map index;
``attempt`` = Airflow's try number). A newer attempt of the same task takes it over at once (its retry,
within the retry delay); anyone else only once the holder's heartbeat is older than the lease timeout.
An attempt whose lease was taken over can write neither its run nor its results any more.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import LeaseLostError, SyncInProgressError
from cleverreach.sync.store import SyncStore

HOLDER = "cleverreach_sync_recipients/manual__1/sync_list/0"


@pytest.fixture
def engine(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'a', '10', 'L', CURRENT_TIMESTAMP)"))
    return crm_engine


def attempt(engine, try_number: int, holder: str = HOLDER, timeout: timedelta = timedelta(minutes=10)) -> SyncStore:
    return SyncStore(engine, lease_timeout=timeout, holder=holder, attempt=try_number)


def start(store: SyncStore, run_id: str = "manual__1") -> int:
    return store.start_run(tenant_id="a", list_id=1, dag_id="cleverreach_sync_recipients", run_id=run_id, dry_run=False)


def statuses(engine) -> dict[int, str]:
    return {r["id"]: r["status"] for r in fetch(engine, "SELECT id, status FROM sync_run")}


def test_the_retry_takes_the_lease_over_at_once_and_fences_the_abandoned_attempt(engine):
    first = attempt(engine, 1)
    old_run = start(first)
    retry = attempt(engine, 2)
    new_run = start(retry)  # no waiting: the holder's own retry
    assert statuses(engine) == {old_run: "abandoned", new_run: "running"}

    # the abandoned attempt wakes up: it can neither record a batch nor finish the run
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
