"""The sync's lease in the CRM: one running sync per list; a crashed attempt's lease is taken over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import RecipientListError, SyncInProgressError
from cleverreach.lists.store import ListStore
from cleverreach.sync.store import SyncStore


@pytest.fixture
def store(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"}, {"id": "b", "name": "B"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'a', '10', 'L', CURRENT_TIMESTAMP)"))
    return SyncStore(crm_engine)


def start(store, run_id="r1", dag_id="d"):
    return store.start_run(tenant_id="a", list_id=1, dag_id=dag_id, run_id=run_id, dry_run=False)


def test_a_second_run_on_the_same_list_is_refused(store):
    first = start(store, "r1")
    with pytest.raises(SyncInProgressError, match="is being synced by sync_run"):
        start(store, "r2")
    store.finish_run(first, "success", {}, None)
    start(store, "r2")  # free again


def test_a_retry_of_the_same_run_takes_over_its_crashed_lease(store, crm_engine):
    crashed = start(store, "r1")
    again = start(store, "r1")
    rows = {r["id"]: r["status"] for r in fetch(crm_engine, "SELECT id, status FROM sync_run")}
    assert rows == {crashed: "abandoned", again: "running"}


def test_a_stale_lease_is_taken_over(store, crm_engine):
    start(store, "r1")
    store.lease_timeout = timedelta(seconds=-1)
    start(store, "r2")
    assert sorted(r["status"] for r in fetch(crm_engine, "SELECT status FROM sync_run")) == ["abandoned", "running"]


def test_lists_of_another_tenant_are_refused_like_unknown_ones(store, crm_engine):
    lists = ListStore(crm_engine)
    assert [r["id"] for r in lists.lists("a")] == [1]
    assert lists.owned_list("a", 1)["external_id"] == "10"
    with pytest.raises(RecipientListError, match="recipient list 1 does not exist for tenant 'b'"):
        lists.owned_list("b", 1)
    with pytest.raises(RecipientListError, match="does not exist"):
        lists.lists("a", 99)
