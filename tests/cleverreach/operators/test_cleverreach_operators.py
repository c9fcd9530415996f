"""The operators that talk to CleverReach, executed directly against the emulator and a real CRM database.

Their DAG tests (tests/dags) cover the whole runs; here each operator's own contract: it checks its
arguments before any request, imports or syncs one tenant's data, and fails a tenant without retry.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from airflow.sdk.exceptions import AirflowFailException
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.assets import LIST_RECIPIENTS_ALIAS
from cleverreach.crm.migrations import migrate
from cleverreach.operators.import_lists import CleverReachImportListsOperator
from cleverreach.operators.mail_history import CleverReachMailHistoryOperator, parse_since
from cleverreach.operators.sync_recipients import CleverReachSyncListOperator

CLIENT, SECRET = "acme-client", "acme-secret-0001"
TENANT = {"tenant_id": "acme", "cleverreach_conn_id": "cleverreach_acme"}


@pytest.fixture
def acme(emulator, crm_engine, monkeypatch):
    emulator.client.reset({"accounts": [{"client_id": CLIENT, "client_secret": SECRET,
                                         "groups": [{"id": "1001", "name": "Newsletter", "receivers": []}]}]})
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET)
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    add_contacts(crm_engine, [{"id": 10, "tenant_id": "acme", "email": "anna@example.org", "first_name": "Anna"}])
    return emulator


class _Outlet:
    def __init__(self) -> None:
        self.added: list[tuple] = []

    def add(self, asset, extra=None) -> None:
        self.added.append((asset, extra))


def api_requests(emulator) -> int:
    return len(emulator.client.requests())


def test_import_then_sync_one_list(acme, crm_engine):
    summary = CleverReachImportListsOperator(task_id="i", **TENANT).execute({"run_id": "r1"})
    assert summary["created"] == 1
    (row,) = fetch(crm_engine, "SELECT id, external_id, created_by FROM recipient_list")
    assert row["external_id"] == "1001"
    assert row["created_by"] == "run:adhoc_airflow/r1"  # the importing run (no DAG here), not just a DAG name
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                          "VALUES (:l, 10, CURRENT_TIMESTAMP)"), {"l": row["id"]})
    events = defaultdict(_Outlet)  # the task run's outlet events, as Airflow hands them to the operator
    dry = CleverReachSyncListOperator(task_id="s", list_id=row["id"], dry_run="true", **TENANT).execute(
        {"run_id": "r2", "outlet_events": events})
    assert (dry["dry_run"], dry["added"]) == (True, 1)
    assert acme.client.group_receivers("1001") == [] and not any(e.added for e in events.values())
    done = CleverReachSyncListOperator(task_id="s", list_id=str(row["id"]), **TENANT).execute(
        {"run_id": "r3", "outlet_events": events})
    assert done["added"] == 1
    (added,) = events[LIST_RECIPIENTS_ALIAS].added
    assert added[0].uri == f"cleverreach://tenants/acme/lists/{row['id']}/recipients" and added[1]["added"] == 1
    assert [r["email"] for r in acme.client.group_receivers("1001")] == ["anna@example.org"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"list_id": 999}, "recipient list 999 does not exist for tenant 'acme'"),
        ({"list_id": "abc"}, "recipient list abc does not exist for tenant 'acme'"),
        ({"list_id": 0}, "list_id must be the key of a recipient list"),
        ({"list_id": 1, "dry_run": "maybe"}, "dry_run must be true or false"),
    ],
)
def test_sync_refuses_bad_arguments_before_any_request(acme, arguments, message):
    acme.client.clear_requests()
    with pytest.raises(AirflowFailException, match=message):
        CleverReachSyncListOperator(task_id="s", **TENANT, **arguments).execute({"run_id": "r"})
    assert api_requests(acme) == 0


def test_a_bad_login_fails_the_tenant_without_retry(acme, monkeypatch):
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", acme.url, CLIENT, "wrong-secret")
    with pytest.raises(AirflowFailException, match="CleverReach login failed for connection 'cleverreach_acme'"):
        CleverReachImportListsOperator(task_id="i", **TENANT).execute({"run_id": "r"})


def test_mail_history_checks_since_before_any_request(acme):
    assert parse_since("2026-01-31") is not None and parse_since("") is None
    acme.client.clear_requests()
    with pytest.raises(AirflowFailException, match="since must be a date"):
        CleverReachMailHistoryOperator(task_id="h", since="31.01.2026", **TENANT).execute({"run_id": "r"})
    assert api_requests(acme) == 0
    result = CleverReachMailHistoryOperator(task_id="h", since=None, **TENANT).execute({"run_id": "r"})
    assert result["tenant_id"] == "acme" and result["rows_inserted"] == 0
