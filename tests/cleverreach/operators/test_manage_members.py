"""ManageListMembersOperator executed directly: rendered arguments become the dialog's selection."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.operators.manage_members import ManageListMembersOperator


@pytest.fixture
def crm(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "7", "name": "Seven"})
    add_addresses(crm_engine, [{"id": 1, "tenant_id": "7", "name": "Apotheke", "category": "Kunde"}])
    add_contacts(crm_engine, [{"id": 10, "tenant_id": "7", "address_id": 1, "email": "a@example.org"},
                              {"id": 11, "tenant_id": "7", "address_id": 1, "email": "kaputt"}])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (5, '7', '50', 'L', CURRENT_TIMESTAMP)"))
    return crm_engine


RUN = {"run_id": "manual__1"}  # a task always runs in a run: its actor is the run's user or the run


def test_add_then_remove_with_a_numeric_tenant_id(crm):
    # Native rendering turns the tenant "7" into the number 7; the operator takes it back as text.
    added = ManageListMembersOperator(task_id="m", tenant=7, list_id=5, letter="A", sync_after=False).execute(RUN)
    assert (added["added"], added["without_valid_email"], added["sync_conf"]) == (2, 1, None)
    assert [r["contact_person_id"] for r in fetch(crm, "SELECT contact_person_id FROM recipient_list_member")] == [10, 11]
    removed = ManageListMembersOperator(task_id="m", tenant="7", list_id="5", action="remove",
                                        contact_ids=[11]).execute(RUN)
    assert (removed["removed"], removed["sync_conf"]) == (1, {"tenant": "7", "list_id": "5"})


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"tenant": "7", "list_id": 5}, "no filter given"),
        ({"tenant": "7", "list_id": 5, "letter": "Ä"}, "letter must be one of"),
        ({"tenant": "7", "list_id": 5, "action": "drop", "letter": "A"}, "action must be one of"),
        ({"tenant": "7", "list_id": 99, "letter": "A"}, "recipient list 99 does not exist for tenant '7'"),
        ({"tenant": "8", "list_id": 5, "letter": "A"}, "tenant '8' does not exist"),
        ({"tenant": "7", "list_id": 5, "contact_ids": "10"}, "contact_ids must be a list"),
    ],
)
def test_refusals_fail_without_retry_and_write_nothing(crm, arguments, message):
    with pytest.raises(AirflowFailException, match=message):
        ManageListMembersOperator(task_id="m", **arguments).execute(RUN)
    assert fetch(crm, "SELECT * FROM recipient_list_member") == []
