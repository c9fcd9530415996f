"""A flag that tells the truth, through Airflow: a member whose contact changed in the CRM after its last
sync shows as pending (page and counts) until the next sync, which writes or stamps it. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.clock import utcnow
from cleverreach.sync.staleness import CHANGED_REASON
from cleverreach.ui.keyset import MemberSort
from cleverreach.ui.read_store import PagePosition, UiReadStore

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-changed7"
DAG_ID = "cleverreach_sync_recipients"


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": "1001", "name": "Newsletter", "receivers": []}],
    }]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "email": "anna@example.org", "first_name": "Anna"},
        {"id": 2, "tenant_id": "acme", "email": "ben@example.org", "first_name": "Ben"},
        {"id": 3, "tenant_id": "acme", "email": "carl@example.org", "first_name": "Carl"},
    ])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                          "VALUES ('acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))
    add_members(crm_engine, 1, [1, 2, 3])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET)
    return emulator


def shown(engine) -> dict[int, tuple[str, str | None]]:
    page = UiReadStore(engine).members_page("acme", 1, state=None, sort=MemberSort.CONTACT, descending=False,
                                            position=PagePosition.FIRST, boundary_id=None, page_size=50)
    return {row["contact_person_id"]: (row["sync_state"], row["sync_error"]) for row in page.rows}


def test_a_changed_contact_is_pending_until_the_next_sync(world, crm_engine):
    assert run_dag(DAG_ID, {"tenant": "acme"}).state == "success"
    reads = UiReadStore(crm_engine)
    assert reads.member_counts(1, "acme") == {"synced": 3}

    with crm_engine.begin() as conn:  # Anna's synced name changes; Ben changes only outside what is synced
        conn.execute(text("UPDATE contact_person SET first_name = 'Anne', changed_at = :t WHERE id = 1"), {"t": utcnow()})
        conn.execute(text("UPDATE contact_person SET changed_at = :t WHERE id = 2"), {"t": utcnow()})

    assert shown(crm_engine) == {1: ("pending", CHANGED_REASON), 2: ("pending", CHANGED_REASON), 3: ("synced", None)}
    assert reads.member_counts(1, "acme") == {"synced": 1, "pending": 2}
    assert reads.member_counts(1) == {"synced": 3}  # without the tenant: the stored states

    assert run_dag(DAG_ID, {"tenant": "acme"}).state == "success"
    assert shown(crm_engine) == {1: ("synced", None), 2: ("synced", None), 3: ("synced", None)}
    assert reads.member_counts(1, "acme") == {"synced": 3}
    names = {r["email"]: r["global_attributes"].get("firstname") for r in world.client.group_receivers("1001")}
    assert names["anna@example.org"] == "Anne"
