"""The CRM connection needs no DDL right (issue 11): import, members, sync, mail history, the adapter check and an
erasure through Airflow with a PostgreSQL role that may only read the CRM's data and read and write its lists,
members and history, while the private state lives behind a connection of its own (``state_conn_id``)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from helpers.erasure import erase
from scripts.airflow_runner import run_dag
from sqlalchemy import Engine, create_engine, inspect, make_url, text

from cleverreach.crm.migrations import create_crm_tables
from cleverreach.hooks.crm import engine_from_fields

pytestmark = [pytest.mark.usefixtures("airflow_db"), pytest.mark.postgres]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
CLIENT, SECRET = "acme-client", "acme-secret-000111"
NOW = int(time.time())
CRM_DATA = ("tenant", "address", "address_tag", "address_sales_process", "contact_person")
CRM_ENTITIES = ("recipient_list", "recipient_list_translation", "recipient_list_member", "contact_history")


def _admin(url: str, **options: str) -> Engine:
    return create_engine(make_url(url).set(drivername="postgresql+psycopg2"), **options)


@pytest.fixture
def restricted_crm(monkeypatch) -> Iterator[tuple[Engine, Engine, str]]:
    """A CRM schema whose connection logs in as a role with DML rights only; the state on the admin's connection.
    Yields (the CRM as the admin sees it, the state engine, the role's name)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    tag = uuid.uuid4().hex[:10]
    schema, role, state_schema = f"t_{tag}", f"crm_dml_{tag}", f"t_{tag}_state"
    url = make_url(POSTGRES_URL)
    admin = _admin(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA public FROM {role}")
    crm_admin = engine_from_fields("postgres", host=url.host, port=url.port, login=url.username, password=url.password,
                                   schema=url.database, extra={"options": f"-csearch_path={schema}"})
    create_crm_tables(crm_admin)
    with crm_admin.begin() as conn:
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(CRM_DATA)} TO {role}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(CRM_ENTITIES)} TO {role}")
        conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    common = {"host": url.host, "port": url.port, "schema": url.database}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERSPACE_CRM", json.dumps({
        "conn_type": "postgres", "login": role, **common,
        "extra": {"options": f"-csearch_path={schema}", "state_conn_id": "cleverreach_state"}}))
    monkeypatch.setenv("AIRFLOW_CONN_CLEVERREACH_STATE", json.dumps({
        "conn_type": "postgres", "login": url.username, "password": url.password, **common,
        "extra": {"state_schema": state_schema}}))
    state = engine_from_fields("postgres", host=url.host, port=url.port, login=url.username, password=url.password,
                               schema=url.database)
    yield crm_admin, state, role
    crm_admin.dispose()
    state.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {state_schema} CASCADE")
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")
    admin.dispose()


def _world(emulator, crm: Engine, monkeypatch) -> None:
    receivers = [{"email": f"p{i}@acme.example", "global_attributes": {}} for i in range(1, 4)]
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": "1001", "name": "Newsletter", "receivers": receivers}],  # signed up by form: adopted
        "mailings": [{"id": "501", "name": "Oktober", "subject": "Neues", "state": "finished",
                      "started": NOW - 86400, "finished": NOW - 86000, "group_ids": ["1001"],
                      "recipients": [{"email": r["email"], "opened": NOW - 80000} for r in receivers]}],
    }]})
    add_tenants(crm, {"id": "acme", "name": "ACME", "cleverreach_conn_id": "cleverreach_acme"})
    add_addresses(crm, [{"id": 100, "tenant_id": "acme", "name": "Bäckerei", "category": "Kunde"}])
    add_contacts(crm, [{"id": i, "tenant_id": "acme", "address_id": 100, "email": f"p{i}@acme.example"}
                       for i in range(1, 4)] + [{"id": 4, "tenant_id": "acme", "address_id": 100, "email": "kaputt"}])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1)


def test_the_dags_run_with_a_crm_role_that_has_no_ddl_right(restricted_crm, emulator, monkeypatch):
    crm, state, role = restricted_crm
    _world(emulator, crm, monkeypatch)
    with crm.connect() as conn:  # the restriction is real
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        assert not conn.execute(text("SELECT has_schema_privilege(:r, :s, 'CREATE')"), {"r": role, "s": schema}).scalar()
        assert not conn.execute(text("SELECT has_database_privilege(:r, current_database(), 'CREATE')"), {"r": role}).scalar()

    assert run_dag("cleverreach_import_lists", {"tenant": "acme"}).state == "success"
    (list_id,) = [r["id"] for r in fetch(crm, "SELECT id FROM recipient_list WHERE tenant_id = 'acme'")]
    managed = run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": list_id, "category": "Kunde",
                                                     "sync_after": False})
    assert managed.state == "success"
    synced = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": list_id})
    assert synced.state == "success"
    (done,) = synced.returns["sync_list"]
    assert (done["added"] + done["updated"], done["rejected"]) == (3, 1)
    states = {r["contact_person_id"]: r["sync_state"] for r in fetch(crm, "SELECT * FROM recipient_list_member")}
    assert states == {1: "synced", 2: "synced", 3: "synced", 4: "rejected"}
    assert run_dag("cleverreach_sync_mail_history", {"tenant": "acme"}).state == "success"
    kinds = sorted(r["kind"] for r in fetch(crm, "SELECT kind FROM contact_history"))
    assert kinds == ["mail_opened"] * 3 + ["mail_sent"] * 3

    # the adapter check (its writes rolled back) and a data-subject erasure need no more rights either
    assert run_dag("cleverreach_check_crm", {"tenant": "acme"}).state == "success"
    from cleverreach.hooks.crm import CrmHook

    hook = CrmHook()  # the request is stored as the page stores it: where the CRM connection puts the private state
    try:
        erased = erase(hook.engine, "acme", contact_ids=[1])
    finally:
        hook.dispose()
    assert erased.state == "success"
    assert 1 not in {r["contact_person_id"] for r in fetch(crm, "SELECT contact_person_id FROM contact_history")}

    # the private state is where its connection says, and nowhere in the CRM's schema
    found = inspect(crm)
    assert set(found.get_table_names(schema=schema)) == set(CRM_DATA) | set(CRM_ENTITIES)
    state_schema = f"{schema}_state"
    assert {"sync_run", "sync_change", "sync_owned_receiver", "mail_history_watermark"} <= set(
        inspect(state).get_table_names(schema=state_schema))
    runs = fetch(state, f"SELECT status, added FROM {state_schema}.sync_run")
    assert sorted(r["status"] for r in runs) == ["erasure", "success"]  # the sync, and the erasure's hold on the lease
    actions = {r["action"] for r in fetch(state, f"SELECT action FROM {state_schema}.audit_event")}
    assert {"list_imported", "members_added", "sync_started", "sync_finished", "contact_erased"} <= actions
