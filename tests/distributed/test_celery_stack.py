"""The DAGs under the CeleryExecutor: two workers, real Redis and PostgreSQL, the emulator in its own process.

In the order the questions of issue 13 ask them: do mapped tasks spread over the workers (and do the
connections and the CRM resolve in a worker)? Does the per-list lease hold when two workers race? What
happens when a worker dies between two batches of a sync?
"""

from __future__ import annotations

import math
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest

from cleverreach_emulator import EmulatorClient
from scripts.celery_stack import kill_sessions, signal_sessions, start_worker
from tests.distributed import data
from tests.distributed.conftest import TEST_TIMINGS, WORKERS

pytestmark = pytest.mark.distributed

WRITES_OF_A_BATCH = "receivers"  # inserts and upserts: POST /v3/groups/{id}/receivers[/upsert|/insert]
STATE: dict = {}


def _lists(stack, tenant: str) -> dict[str, int]:
    rows = stack.crm_rows("SELECT id, name FROM recipient_list WHERE tenant_id = :t", t=tenant)
    return {r["name"]: r["id"] for r in rows}


def _add_members(stack, list_id: int, tenant: str, category: str) -> int:
    contacts = stack.crm_rows(
        "SELECT c.id FROM contact_person c JOIN address a ON a.id = c.address_id "
        "WHERE c.tenant_id = :t AND a.category = :c", t=tenant, c=category)
    stack.crm_execute(
        "INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, added_by, sync_state) "
        "VALUES (:list_id, :cid, CURRENT_TIMESTAMP, 'distributed-test', 'pending')",
        [{"list_id": list_id, "cid": c["id"]} for c in contacts])
    return len(contacts)


def _writes(client: EmulatorClient, tenant: str) -> int:
    """Write calls of the tenant's account so far (every list of these tests already has its attributes,
    so a sync's writes are its batches)."""
    return client.counters(data.client_id(tenant))["writes"]


def _receivers(client: EmulatorClient, group_id: str) -> list[dict]:
    return [r for r in client.group_receivers(group_id) if r.get("active", True)]


def _as_utc(value) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------------------------ five tenants
def test_four_dags_for_five_tenants_run_on_both_workers(stack):
    api = stack.api
    imported = api.trigger("cleverreach_import_lists", {"tenant": None})
    stack.wait("cleverreach_import_lists", imported)
    lists = {t: _lists(stack, t) for t in data.TENANT_IDS}
    assert all(set(names) == {"Newsletter", "Kundeninformation", "Grosse Liste"} for names in lists.values()), lists

    managed = {t: api.trigger("cleverreach_manage_members", {
        "tenant": t, "list_id": lists[t]["Newsletter"], "action": "add", "category": "Kunde", "sync_after": False,
    }) for t in data.TENANT_IDS}  # five runs at once
    for run_id in managed.values():
        stack.wait("cleverreach_manage_members", run_id)

    synced = api.trigger("cleverreach_sync_recipients", {"tenant": None})
    stack.wait("cleverreach_sync_recipients", synced, timeout=240)
    history = api.trigger("cleverreach_sync_mail_history", {"tenant": None})
    stack.wait("cleverreach_sync_mail_history", history)

    # the CRM and CleverReach agree: every customer is synced and is an active receiver of the group
    client = EmulatorClient(stack.emulator_url)
    for number, tenant in enumerate(data.TENANT_IDS, 1):
        states = stack.crm_rows("SELECT sync_state, count(*) AS n FROM recipient_list_member WHERE list_id = :l "
                                "GROUP BY sync_state", l=lists[tenant]["Newsletter"])
        assert {r["sync_state"]: r["n"] for r in states} == {"synced": data.CUSTOMERS}, (tenant, states)
        assert len(_receivers(client, str(1000 * number + 1))) == data.CUSTOMERS
        rows = stack.crm_rows("SELECT kind, count(*) AS n FROM contact_history WHERE tenant_id = :t GROUP BY kind",
                              t=tenant)
        kinds = {r["kind"]: r["n"] for r in rows}
        assert kinds.get("mail_sent") == data.MAILING_RECEIVERS and kinds.get("mail_opened"), (tenant, kinds)

    # mapped tasks ran on both workers, and every CleverReach task took a slot of the API pool
    mapped = []
    for dag_id, run_id in [("cleverreach_import_lists", imported), ("cleverreach_sync_recipients", synced),
                           ("cleverreach_sync_mail_history", history)]:
        mapped += [ti for ti in stack.api.task_instances(dag_id, run_id) if ti["map_index"] >= 0]
    # the sync maps batches of lists (cleverreach.lists.batches): 15 lists over tenant_parallelism 8 make batches
    # of at most 2, a tenant's 3 lists in two: 10 tasks
    assert len(mapped) == 5 + 10 + 5
    assert {ti["hostname"] for ti in mapped} == set(WORKERS), sorted((ti["task_id"], ti["hostname"]) for ti in mapped)
    assert {ti["pool"] for ti in mapped} == {"cleverreach_api"}
    STATE["lists"] = lists


# ------------------------------------------------------------------------------------ the lease race
def test_two_syncs_of_one_list_on_two_workers_never_interleave(stack):
    if "lists" not in STATE:
        pytest.skip("the lists were not imported")
    tenant, list_id = data.RACE_TENANT, STATE["lists"][data.RACE_TENANT]["Kundeninformation"]
    members = _add_members(stack, list_id, tenant, "Gross")
    client = EmulatorClient(stack.emulator_url)
    before = _writes(client, tenant)
    client.set_faults(latency_ms=500, path_regex=WRITES_OF_A_BATCH, methods=["POST"])  # holds the lease for seconds
    try:
        run_id = stack.api.trigger("distributed_lease_race", {"tenant": tenant, "list_id": list_id})
        stack.wait("distributed_lease_race", run_id, allow=("success", "failed"))
    finally:
        client.clear_faults()

    tis = stack.api.task_instances("distributed_lease_race", run_id)
    assert {ti["hostname"] for ti in tis} == set(WORKERS), "the two attempts did not run on two workers"
    runs = stack.crm_rows("SELECT id, status, started_at, finished_at FROM cleverreach.sync_run WHERE list_id = :l AND run_id = :r "
                          "ORDER BY started_at", l=str(list_id), r=run_id)
    # one waits or refuses: the applying runs never overlap in time, and a refused one never starts a run
    applied = [r for r in runs if r["status"] in ("success", "partial")]
    assert applied, runs
    for first, second in zip(runs, runs[1:]):
        assert first["finished_at"] is not None and first["finished_at"] <= second["started_at"], runs
    refused = [ti for ti in tis if ti["state"] == "failed"]
    assert len(refused) + len(applied) == 2, (tis, runs)
    # nothing interleaves: the members were written once, in the minimum number of batches
    assert _writes(client, tenant) - before == math.ceil(members / data.BATCH_SIZE)
    assert len(_receivers(client, str(1000 * int(tenant[-1]) + 2))) == members
    print(f"\nlease race: {len(refused)} refused, {len(applied)} applied; sync_run rows {[r['status'] for r in runs]}")


# ------------------------------------------------------------------------------------ a worker dies
def test_a_worker_killed_mid_sync_and_the_list_converges(stack):
    if "lists" not in STATE:
        pytest.skip("the lists were not imported")
    tenant, list_id = data.KILL_TENANT, STATE["lists"][data.KILL_TENANT]["Grosse Liste"]
    group_id = str(1000 * int(tenant[-1]) + 3)
    members = _add_members(stack, list_id, tenant, "Gross")
    batches = math.ceil(members / data.BATCH_SIZE)
    client = EmulatorClient(stack.emulator_url)
    before = _writes(client, tenant)
    client.set_faults(latency_ms=1000, path_regex=WRITES_OF_A_BATCH, methods=["POST"])  # a wide window
    victim = None
    try:
        run_id = stack.api.trigger("cleverreach_sync_recipients", {"tenant": tenant, "list_id": list_id})
        deadline = time.monotonic() + 120
        while _writes(client, tenant) - before < 3:  # batches are being applied
            assert time.monotonic() < deadline, "the sync did not start writing"
            time.sleep(0.5)
        (ti,) = [t for t in stack.api.task_instances("cleverreach_sync_recipients", run_id) if t["task_id"] == "sync_list"]
        victim = ti["hostname"]
        assert victim in WORKERS and ti["state"] == "running", ti
        killed_at = datetime.now(timezone.utc)
        # the worker, its pool processes and the task process: a dead container
        killed = kill_sessions({stack.running(victim).popen.pid})
        assert killed, f"nothing of {victim} was running"
        applied_before_kill = _writes(client, tenant) - before
        stack.wait("cleverreach_sync_recipients", run_id, timeout=240, killed=(victim,))
    finally:
        client.clear_faults()
        if victim and not stack.running(victim):  # compose restarts it (restart: always)
            start_worker(stack.services, stack.env, victim, concurrency=2)

    (ti,) = [t for t in stack.api.task_instances("cleverreach_sync_recipients", run_id) if t["task_id"] == "sync_list"]
    retried = (ti["try_number"], ti["hostname"], ti["state"])
    assert retried[:2] == (2, next(w for w in WORKERS if w != victim)), retried  # retried on the other worker
    runs = stack.crm_rows("SELECT id, status, started_at, finished_at, message FROM cleverreach.sync_run "
                          "WHERE list_id = :l AND run_id = :r ORDER BY id", l=str(list_id), r=run_id)
    assert [r["status"] for r in runs] == ["abandoned", "success"], runs
    abandoned, retry = runs
    # the lease was taken over by the retry as soon as it started, not after hours
    taken_over_after = (_as_utc(retry["started_at"]) - killed_at).total_seconds()
    limit = int(TEST_TIMINGS["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"]) + int(
        TEST_TIMINGS["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"]) + 60
    assert 0 < taken_over_after < limit, (taken_over_after, runs)
    assert _as_utc(abandoned["finished_at"]) >= _as_utc(retry["started_at"]) - timedelta(seconds=5)
    # converged: every member is an active receiver and synced; nothing was lost
    receivers = _receivers(client, group_id)
    assert len(receivers) == members
    states = stack.crm_rows("SELECT sync_state, count(*) AS n FROM recipient_list_member WHERE list_id = :l "
                            "GROUP BY sync_state", l=list_id)
    assert {r["sync_state"]: r["n"] for r in states} == {"synced": members}
    # written twice only where the retry needed it: at most the batch that was in flight at the kill
    total = _writes(client, tenant) - before
    assert batches <= total <= batches + 1, (total, batches, applied_before_kill)
    print(f"\nkill: {victim} killed after {applied_before_kill} of {batches} batches; the retry took the lease "
          f"{taken_over_after:.0f} s later; {total} write calls for {batches} batches")


# ------------------------------------------------------------------------------------ a worker freezes
def test_a_frozen_worker_that_wakes_up_cannot_finish_the_run_its_retry_owns(stack):
    """A network partition, as far as a machine can tell: the worker stops (SIGSTOP) mid-sync, the retry
    takes the lease over and finishes on the other worker, then the frozen attempt wakes up (SIGCONT). It
    must stop at its next write of the run (the fence), and the list stays converged."""
    if "lists" not in STATE:
        pytest.skip("the lists were not imported")
    tenant, list_id = data.KILL_TENANT, STATE["lists"][data.KILL_TENANT]["Kundeninformation"]
    group_id = str(1000 * int(tenant[-1]) + 2)
    members = _add_members(stack, list_id, tenant, "Gross")  # a list and group of its own
    client = EmulatorClient(stack.emulator_url)
    before = _writes(client, tenant)
    client.set_faults(latency_ms=1000, path_regex=WRITES_OF_A_BATCH, methods=["POST"])
    frozen: list[tuple[int, int, str]] = []
    try:
        run_id = stack.api.trigger("cleverreach_sync_recipients", {"tenant": tenant, "list_id": list_id})
        deadline = time.monotonic() + 120
        while _writes(client, tenant) - before < 3:
            assert time.monotonic() < deadline, "the sync did not start writing"
            time.sleep(0.5)
        (ti,) = [t for t in stack.api.task_instances("cleverreach_sync_recipients", run_id) if t["task_id"] == "sync_list"]
        victim = ti["hostname"]
        frozen = signal_sessions({stack.running(victim).popen.pid}, signal.SIGSTOP)
        stack.wait("cleverreach_sync_recipients", run_id, timeout=240)  # the retry, on the other worker
        client.clear_faults()
        signal_sessions({stack.running(victim).popen.pid}, signal.SIGCONT)
        frozen = []
        time.sleep(15)  # the woken attempt reaches its next write of the run
    finally:
        client.clear_faults()
        if frozen:
            signal_sessions({stack.running(victim).popen.pid}, signal.SIGCONT)

    runs = stack.crm_rows("SELECT id, status, message FROM cleverreach.sync_run WHERE list_id = :l AND run_id = :r ORDER BY id",
                          l=str(list_id), r=run_id)
    assert [r["status"] for r in runs] == ["abandoned", "success"], runs  # the woken attempt finished nothing
    assert len(_receivers(client, group_id)) == members
    states = stack.crm_rows("SELECT sync_state, count(*) AS n FROM recipient_list_member WHERE list_id = :l "
                            "GROUP BY sync_state", l=list_id)
    assert {r["sync_state"]: r["n"] for r in states} == {"synced": members}
    batches = math.ceil(members / data.BATCH_SIZE)
    total = _writes(client, tenant) - before
    assert total <= batches + 2, (total, batches)  # the batch in flight at the freeze, one after the wake-up
    print(f"\nfreeze: {victim} frozen and woken; sync_run rows {[r['status'] for r in runs]}; {total} write calls "
          f"for {batches} batches")
