"""CrmTenantsOperator and CrmListsOperator, executed directly: what they fan out, and what they refuse."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException
from helpers.crm_seed import add_tenants
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.operators.tenants import CrmListsOperator, CrmTenantsOperator, optional_list_id


@pytest.fixture
def crm(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta", "cleverreach_conn_id": "cr_b"},
                {"id": "off", "name": "Off", "active": False})
    with crm_engine.begin() as conn:
        for list_id, tenant, gone in ((1, "acme", None), (2, "acme", "2026-01-01 00:00:00"), (3, "beta", None)):
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at, remote_deleted_at) "
                              "VALUES (:i, :t, :e, 'L', CURRENT_TIMESTAMP, :g)"), {"i": list_id, "t": tenant, "e": str(list_id * 10), "g": gone})
    return crm_engine


def test_tenants_fan_out_over_active_tenants_or_the_one_named(crm):
    every = CrmTenantsOperator(task_id="t").execute({})
    assert every == [{"tenant_id": "acme", "cleverreach_conn_id": "cleverreach_acme"},
                     {"tenant_id": "beta", "cleverreach_conn_id": "cr_b"}]
    assert CrmTenantsOperator(task_id="t", tenant=" beta ").execute({}) == every[1:]
    for tenant, reason in (("off", "inactive"), ("nope", "does not exist")):
        with pytest.raises(AirflowFailException, match=reason):
            CrmTenantsOperator(task_id="t", tenant=tenant).execute({})


def test_lists_skip_gone_groups_and_refuse_foreign_lists(crm):
    assert [t["list_id"] for t in CrmListsOperator(task_id="l").execute({})] == ["1", "3"]  # keys are text
    assert CrmListsOperator(task_id="l", tenant="acme", list_id="1").execute({}) == [
        {"tenant_id": "acme", "cleverreach_conn_id": "cleverreach_acme", "list_id": "1"}]
    assert CrmListsOperator(task_id="l", tenant="acme", list_id=1).execute({})[0]["list_id"] == "1"
    with pytest.raises(AirflowFailException, match="recipient list x does not exist for tenant 'acme'"):
        CrmListsOperator(task_id="l", tenant="acme", list_id="x").execute({})  # text, but no key of this CRM
    with pytest.raises(AirflowFailException, match="recipient list 3 does not exist for tenant 'acme'"):
        CrmListsOperator(task_id="l", tenant="acme", list_id=3).execute({})
    with pytest.raises(AirflowFailException, match="list_id needs tenant"):
        CrmListsOperator(task_id="l", list_id=1).execute({})


@pytest.mark.parametrize("bad", [0, -3, True, 1.5, [1], {"id": 1}])
def test_list_ids_must_be_positive_integers_or_text(bad):
    with pytest.raises(AirflowFailException, match="list_id must be the key of a recipient list"):
        optional_list_id(bad)


@pytest.mark.parametrize(("value", "key"), [(41, "41"), ("41", "41"), ("0042", "0042"), (5_000_000_001, "5000000001"),
                                            ("8F14E45F-CEEA-467F-A0E6-7B1A1B2E9D10", "8F14E45F-CEEA-467F-A0E6-7B1A1B2E9D10"),
                                            ("A-17", "A-17"), (" ", None), (None, None)])
def test_list_ids_are_keys_as_text(value, key):
    assert optional_list_id(value) == key
