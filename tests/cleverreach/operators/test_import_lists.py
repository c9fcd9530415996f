"""A batch of tenants in one import task: each tenant in its own try, the task failing at the end."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_tenants, fetch

from cleverreach.crm.migrations import migrate
from cleverreach.lists.batches import batch_tenants
from cleverreach.operators.import_lists import CleverReachImportListsOperator

TENANTS = ("acme", "beta", "gamma")


class _Ti:
    map_index, try_number = 0, 1

    def __init__(self) -> None:
        self.pushed: dict = {}

    def xcom_push(self, key, value) -> None:
        self.pushed[key] = value


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [
        {"client_id": f"{t}-client", "client_secret": f"{t}-secret-0001", "groups": [{"id": f"{n}001", "name": "News"}]}
        for n, t in enumerate(TENANTS, 1)]})
    for tenant in TENANTS:
        secret = "wrong-secret" if tenant == "beta" else f"{tenant}-secret-0001"  # beta's login fails
        set_cleverreach_connection(monkeypatch, f"cleverreach_{tenant}", emulator.url, f"{tenant}-client", secret)
    migrate(crm_engine)
    add_tenants(crm_engine, *({"id": t, "name": t.upper()} for t in TENANTS))
    return emulator


def test_a_failed_tenant_fails_the_batch_at_the_end_and_the_others_are_imported(world, crm_engine):
    (batch,) = batch_tenants([{"tenant_id": t, "cleverreach_conn_id": f"cleverreach_{t}"} for t in TENANTS], 25, 1)
    operator = CleverReachImportListsOperator(task_id="import_lists", **batch)
    assert operator.map_label == "acme..gamma: 3 tenants"
    ti = _Ti()
    with pytest.raises(AirflowFailException, match=r"1 of 3 tenants failed: beta; the others are imported"):
        operator.execute({"run_id": "r1", "ti": ti})  # a bad login is final: no retry
    rows = {r["tenant_id"]: r for r in ti.pushed["return_value"]}
    assert rows["beta"]["status"] == "failed" and "login failed" in rows["beta"]["error"]
    assert rows["acme"]["created"] == rows["gamma"]["created"] == 1
    assert sorted(r["tenant_id"] for r in fetch(crm_engine, "SELECT tenant_id FROM recipient_list")) == ["acme", "gamma"]


def test_one_tenant_is_imported_as_before(world):
    operator = CleverReachImportListsOperator(task_id="i", tenant_id="acme", cleverreach_conn_id="cleverreach_acme")
    assert operator.map_label == "acme"
    assert operator.execute({"run_id": "r"})["created"] == 1
