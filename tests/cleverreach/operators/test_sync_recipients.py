"""A batch of lists in one sync task: each list in its own try, the task failing at the end, its retry resuming."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.assets import LIST_RECIPIENTS_ALIAS
from cleverreach.crm.migrations import migrate
from cleverreach.lists.batches import batch_lists
from cleverreach.operators.sync_recipients import CleverReachSyncListOperator, failed_batch_events
from cleverreach.sync.service import ListSync

GROUPS = {"acme": ["1001", "1002", "1003"], "beta": ["2001"]}


class _Outlet:
    def __init__(self) -> None:
        self.added: list[tuple] = []

    def add(self, asset, extra=None) -> None:
        self.added.append((asset, extra))


class _Ti:
    """What the operator reads of its task instance, and the XComs it pushes itself."""

    def __init__(self, try_number: int) -> None:
        self.map_index, self.try_number, self.pushed = 0, try_number, {}

    def xcom_push(self, key, value) -> None:
        self.pushed[key] = value


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [
        {"client_id": f"{t}-client", "client_secret": f"{t}-secret-0001",
         "groups": [{"id": g, "name": f"Liste {g}", "receivers": []} for g in groups]}
        for t, groups in GROUPS.items()]})
    for tenant in GROUPS:
        set_cleverreach_connection(monkeypatch, f"cleverreach_{tenant}", emulator.url, f"{tenant}-client",
                                   f"{tenant}-secret-0001")
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    add_contacts(crm_engine, [{"id": 10, "tenant_id": "acme", "email": "anna@example.org", "first_name": "Anna"},
                              {"id": 20, "tenant_id": "beta", "email": "bert@example.org", "first_name": "Bert"}])
    with crm_engine.begin() as conn:
        number = 0
        for tenant, groups in GROUPS.items():
            for group in groups:
                number += 1
                conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                                  "VALUES (:i, :t, :g, 'L', CURRENT_TIMESTAMP)"), {"i": number, "t": tenant, "g": group})
                conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                                  "VALUES (:i, :c, CURRENT_TIMESTAMP)"), {"i": number, "c": 10 if tenant == "acme" else 20})
    return emulator


def batch() -> dict:
    targets = [{"tenant_id": t, "cleverreach_conn_id": f"cleverreach_{t}", "list_id": str(i)}
               for i, t in enumerate(["acme", "acme", "acme", "beta"], 1)]
    (only,) = batch_lists(targets, 25, spread=1)
    return only


def run(ti: _Ti, events) -> list[dict]:
    return CleverReachSyncListOperator(task_id="sync_list", **batch()).execute(
        {"run_id": "r1", "ti": ti, "outlet_events": events})


def test_a_failed_list_fails_the_batch_at_the_end_and_the_retry_syncs_only_it(world, crm_engine, monkeypatch):
    plan = ListSync.plan

    def failing(self):
        if self.target.list_id == "2":
            raise RuntimeError("CleverReach had a bad moment")
        return plan(self)

    monkeypatch.setattr(ListSync, "plan", failing)
    first, events = _Ti(1), defaultdict(_Outlet)
    with pytest.raises(AirflowException, match=r"1 of 4 lists failed: acme/2") as failed:
        run(first, events)
    assert not isinstance(failed.value, AirflowFailException)  # may pass: Airflow retries the task
    rows = {r["list_id"]: r for r in first.pushed["return_value"]}  # the summary's rows, though the task failed
    assert rows["2"]["status"] == "failed" and "bad moment" in rows["2"]["error"]
    assert [rows[k]["added"] for k in ("1", "3", "4")] == [1, 1, 1]  # the lists after the failed one ran too
    assert [len(world.client.group_receivers(g)) for g in ("1001", "1002", "1003", "2001")] == [1, 0, 1, 1]
    statuses = {r["list_id"]: r["status"] for r in fetch(crm_engine, "SELECT list_id, status FROM sync_run")}
    assert statuses == {"1": "success", "2": "failed", "3": "success", "4": "success"}

    monkeypatch.setattr(ListSync, "plan", plan)
    world.client.clear_requests()
    retry, events = _Ti(2), defaultdict(_Outlet)
    results = run(retry, events)
    assert [(r["list_id"], r.get("resumed", False)) for r in results] == [
        ("1", True), ("2", False), ("3", True), ("4", True)]
    assert [r["added"] for r in results] == [1, 1, 1, 1]  # the resumed ones report the earlier attempt's counts
    assert len(world.client.group_receivers("1002")) == 1
    touched = {r["path"] for r in world.client.requests() if "/groups/" in r["path"]}
    assert touched and all("1002" in path for path in touched)  # the retry read and wrote only the failed list
    uris = sorted(asset.uri for asset, _ in events[LIST_RECIPIENTS_ALIAS].added)
    assert uris == [f"cleverreach://tenants/{t}/lists/{i}/recipients" for t, i in
                    (("acme", 1), ("acme", 2), ("acme", 3), ("beta", 4))]  # every list's event, on the success
    assert retry.pushed == {}


def test_a_list_that_fails_for_good_fails_the_batch_without_retry(world, crm_engine, monkeypatch):
    monkeypatch.setattr(ListSync, "GONE_CONFIRM_PAUSE", 0)
    world.client.delete_group("acme-client", "1003")
    with pytest.raises(AirflowFailException, match=r"1 of 4 lists failed: acme/3"):
        run(_Ti(1), defaultdict(_Outlet))
    assert [len(world.client.group_receivers(g)) for g in ("1001", "1002", "2001")] == [1, 1, 1]
    (gone,) = fetch(crm_engine, "SELECT id FROM recipient_list WHERE remote_deleted_at IS NOT NULL")
    assert str(gone["id"]) == "3"


def test_the_map_index_names_the_list_or_the_batch():
    one = CleverReachSyncListOperator(task_id="s", tenant_id="acme", cleverreach_conn_id="c", list_id="41")
    assert one.map_label == "acme/41"
    assert CleverReachSyncListOperator(task_id="s", **batch()).map_label == "acme..beta: 4 lists"


def test_only_a_failed_batch_leaves_events_to_emit_late():
    done = {"tenant_id": "a", "list_id": "1", "dry_run": False, "added": 2, "status": "success"}
    idle = {**done, "list_id": "2", "added": 0}
    failed = {"tenant_id": "a", "list_id": "3", "dry_run": False, "status": "failed", "error": "x"}
    events = failed_batch_events([[done, idle, failed], [done], done])  # idle changed nothing: no event
    assert [(tenant, list_id) for tenant, list_id, _ in events] == [("a", "1")] and events[0][2]["added"] == 2
    assert failed_batch_events([[done, idle], done, None]) == []  # a successful task's events went with it
