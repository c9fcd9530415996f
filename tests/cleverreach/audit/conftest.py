"""The audit package's CRM: migrated, with two tenants (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from helpers.crm_seed import add_tenants

from cleverreach.crm.migrations import migrate


@pytest.fixture
def engine(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    return crm_engine
