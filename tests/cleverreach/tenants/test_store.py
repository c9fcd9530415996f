"""Tenant isolation beyond one column: no shared connection, no shared CleverReach account."""

from __future__ import annotations

import pytest
from helpers.crm_seed import add_tenants

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import TenantIsolationError, TenantNotFoundError
from cleverreach.tenants.store import Tenant, TenantStore


@pytest.fixture
def store(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta", "cleverreach_conn_id": "cr_b"},
                {"id": "copy", "name": "Copy", "cleverreach_conn_id": "cleverreach_acme"},
                {"id": "off", "name": "Off", "active": False, "cleverreach_conn_id": "cr_b"})
    return TenantStore(crm_engine)


def test_tenants_and_their_connections(store):
    assert [(t.id, t.cleverreach_conn_id) for t in store.tenants()] == [
        ("acme", "cleverreach_acme"), ("beta", "cr_b"), ("copy", "cleverreach_acme")]
    with pytest.raises(TenantNotFoundError, match="inactive"):
        store.tenant("off")


def test_two_active_tenants_on_one_connection_are_refused(store):
    for tenant in ("acme", "copy"):
        with pytest.raises(TenantIsolationError, match="which tenant\\(s\\) '(acme|copy)' use too"):
            store.check_isolation(store.tenant(tenant), "A1")
    store.check_isolation(store.tenant("beta"), "B1")  # an inactive tenant on the same connection does not count


def test_two_tenants_on_one_account_are_refused(store):
    store.check_isolation(Tenant("beta", "Beta", "cr_b"), "ACCOUNT-1")
    store.check_isolation(Tenant("beta", "Beta", "cr_b"), "ACCOUNT-1")  # the same tenant again: fine
    with pytest.raises(TenantIsolationError, match="logs into the CleverReach account that tenant 'beta' uses"):
        store.check_isolation(Tenant("other", "Other", "cr_other"), "ACCOUNT-1")
