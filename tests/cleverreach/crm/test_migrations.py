"""The private state's schema: migrations applied once, in order, from the package's own SQL, into a schema of
its own (PostgreSQL) or the CRM's file (SQLite), with no foreign key into a CRM table; the demo CRM's tables; the
cheap check of the tasks that do not migrate; and the refusal of a CRM that still holds the un-adopted tables of
release 0.1 (their adoption: ``test_adopt_legacy``)."""

from __future__ import annotations

import json
import threading

import pytest
from helpers.crm_seed import add_contacts, add_tenants, fetch
from helpers.release_0_1 import install_release_0_1
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from cleverreach.crm import migrations, sql
from cleverreach.crm.legacy import LEGACY_TABLES, LegacyStateError
from cleverreach.crm.migrations import (
    MIGRATION_TABLE,
    StateNotMigratedError,
    available_migrations,
    check_migrated,
    create_crm_tables,
    migrate,
    pending_migrations,
)
from cleverreach.crm.sql import PACKAGE_SQL_DIR
from cleverreach.crm.state import state_engine_of, state_schema_of
from cleverreach.exceptions import CleverReachConfigError
from cleverreach.hooks.crm import CrmHook

PRIVATE_TABLES = {*LEGACY_TABLES, MIGRATION_TABLE, "audit_event"}
CRM_TABLES = {"tenant", "address", "address_tag", "address_sales_process", "contact_person", "recipient_list",
              "recipient_list_translation", "recipient_list_member", "contact_history"}


def _state_tables(engine: Engine) -> set[str]:
    state = state_engine_of(engine)
    return set(inspect(state).get_table_names(schema=state_schema_of(state)))


def _crm_tables(engine: Engine) -> set[str]:
    found = inspect(engine)
    return set(found.get_table_names(schema=found.default_schema_name))  # the CRM's own schema, not the search path


def test_migrate_creates_the_private_tables_apart_from_the_crm_and_records_versions(crm_engine):
    applied = migrate(crm_engine)
    assert applied == [f"state/{v}" for v, _ in available_migrations()]
    assert PRIVATE_TABLES <= _state_tables(crm_engine)
    if crm_engine.dialect.name == "postgresql":  # a schema of their own: the CRM's schema holds only the CRM
        assert _crm_tables(crm_engine) == CRM_TABLES
        assert state_schema_of(crm_engine).endswith("_state")
    state = state_engine_of(crm_engine)
    name = f"{state_schema_of(state)}.{MIGRATION_TABLE}" if state_schema_of(state) else MIGRATION_TABLE
    with state.connect() as conn:
        recorded = [r[0] for r in conn.execute(text(f"SELECT version FROM {name} ORDER BY version"))]
    assert recorded == applied


def test_the_change_log_leaves_room_on_its_pages_for_the_results_on_postgresql(crm_engine):
    """``state/0014``: a result marked on a stored change stays on its page (a HOT update) only with room there."""
    migrate(crm_engine)
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("a fill factor is PostgreSQL's")
    state = state_engine_of(crm_engine)
    with state.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE oid = to_regclass(:t)"),
                               {"t": f"{state_schema_of(state)}.sync_change"}).scalar()
    assert options == ["fillfactor=50"]


def test_no_private_table_references_a_crm_table(crm_engine):
    migrate(crm_engine)
    state = state_engine_of(crm_engine)
    schema = state_schema_of(state)
    for table in PRIVATE_TABLES:
        for fk in inspect(state).get_foreign_keys(table, schema=schema):
            assert fk["referred_table"] in PRIVATE_TABLES, f"{table} references the CRM's {fk['referred_table']}"


def test_the_crm_deletes_a_contact_on_a_list_with_its_sync_state_in_place(crm_engine):
    """No private foreign key holds a CRM row: the CRM's own delete of a synced contact goes through."""
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"})
    add_contacts(crm_engine, [{"id": 1, "tenant_id": "a", "email": "x@example.org"}])
    with crm_engine.begin() as conn:
        list_id = conn.execute(text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                                    "VALUES ('a', '1', 'L', CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "VALUES (:l, 1, CURRENT_TIMESTAMP, 'synced')"), {"l": list_id})
        conn.execute(text("INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, source, "
                          "external_key) VALUES ('a', 1, CURRENT_TIMESTAMP, 'mail_sent', 'cleverreach', 'k')"))
        conn.execute(text("INSERT INTO sync_owned_receiver (list_id, group_id, email_key, contact_person_id, origin, "
                          "since) VALUES (:l, '1', 'x@example.org', 1, 'created', CURRENT_TIMESTAMP)"), {"l": list_id})
        conn.execute(text("INSERT INTO mail_history_watermark (list_id, finished_until, updated_at) "
                          "VALUES (:l, 1, CURRENT_TIMESTAMP)"), {"l": list_id})
    with crm_engine.begin() as conn:
        conn.execute(text("DELETE FROM contact_person WHERE id = 1"))
        conn.execute(text("DELETE FROM recipient_list WHERE id = :l"), {"l": list_id})
    assert fetch(crm_engine, "SELECT count(*) AS n FROM recipient_list_member")[0]["n"] == 0
    # the private record stays: the next sync removes the deleted contact's receiver (it owns it)
    assert fetch(crm_engine, "SELECT count(*) AS n FROM sync_owned_receiver")[0]["n"] == 1


def test_migrate_and_crm_tables_are_idempotent(crm_engine):
    migrate(crm_engine)
    assert migrate(crm_engine) == []
    create_crm_tables(crm_engine)  # again: IF NOT EXISTS everywhere


def test_concurrent_migrations_apply_each_version_once(crm_engine):
    errors: list[BaseException] = []
    results: list[list[str]] = []

    def run() -> None:
        try:
            results.append(migrate(crm_engine))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(v for r in results for v in r) == [f"state/{v}" for v, _ in available_migrations()]


def test_crm_constraints_hold(crm_engine):
    add_tenants(crm_engine, {"id": "a", "name": "A"})
    insert = text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                  "VALUES ('a', '1', :n, CURRENT_TIMESTAMP)")
    with crm_engine.begin() as conn:
        conn.execute(insert, {"n": "L"})
    with pytest.raises(IntegrityError), crm_engine.begin() as conn:  # unique (tenant_id, external_id)
        conn.execute(insert, {"n": "again"})
    with pytest.raises(IntegrityError), crm_engine.begin() as conn:  # sync_state is one of the states
        conn.execute(text("INSERT INTO contact_person (id, tenant_id, email) VALUES (1, 'a', 'x@example.org')"))
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "SELECT id, 1, CURRENT_TIMESTAMP, 'bogus' FROM recipient_list"))
    with pytest.raises(IntegrityError), crm_engine.begin() as conn:  # foreign keys are enforced on SQLite too
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                          "VALUES (999, 1, CURRENT_TIMESTAMP)"))


def test_migrations_ship_with_the_package_and_need_no_adapter_folder(crm_engine, monkeypatch):
    monkeypatch.delenv("AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR", raising=False)
    monkeypatch.delenv("CLEVERREACH_SQL_DIR", raising=False)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.setattr(sql, "_checkout_include_sql", lambda: None)  # as when installed from the wheel
    assert sql.sql_roots().adapter is None
    shipped = sorted({p.name.split(".")[0] for p in (PACKAGE_SQL_DIR / "state").glob("*.sql")})  # variants once
    assert [stem for _, stem in available_migrations()] == shipped
    assert migrate(crm_engine) == [f"state/{stem[:4]}" for stem in shipped]


# ---------------------------------------------------------------------- a state connection of its own
def test_a_state_connection_of_its_own_holds_every_private_table(separate_state):
    state = state_engine_of(separate_state)
    assert state is not separate_state and state.dialect.name == "sqlite"
    migrate(separate_state)
    assert PRIVATE_TABLES <= set(inspect(state).get_table_names())
    assert not PRIVATE_TABLES & _crm_tables(separate_state)


def test_a_state_connection_naming_the_crm_itself_is_refused(crm_conn, monkeypatch):
    fields = {**crm_conn, "extra": {**crm_conn.get("extra", {}), "state_conn_id": "hyperspace_crm"}}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERSPACE_CRM", json.dumps(fields))
    with pytest.raises(CleverReachConfigError, match="names the CRM connection itself"):
        CrmHook().engine


# ---------------------------------------------------------------------- the check of the tasks that do not migrate
def test_pending_migrations_are_every_one_before_and_none_after(crm_engine):
    every = [f"state/{v}" for v, _ in available_migrations()]
    assert pending_migrations(crm_engine) == every
    with pytest.raises(StateNotMigratedError, match="python -m cleverreach.crm.migrate"):
        check_migrated(crm_engine)
    migrate(crm_engine)
    assert pending_migrations(crm_engine) == []
    check_migrated(crm_engine)
    with state_engine_of(crm_engine).begin() as conn:  # a release with one more migration than the state has
        conn.execute(text(f"DELETE FROM {_name(state_engine_of(crm_engine), MIGRATION_TABLE)} WHERE version = :v"),
                     {"v": every[-1]})
    with pytest.raises(StateNotMigratedError, match=rf"\(pending: {every[-1]}\)"):
        check_migrated(crm_engine)


def test_the_check_writes_nothing(crm_engine):
    """The check only reads: it creates neither the state's schema nor its migration table."""
    with pytest.raises(StateNotMigratedError):
        check_migrated(crm_engine)
    state = state_engine_of(crm_engine)
    assert MIGRATION_TABLE not in inspect(state).get_table_names(schema=state_schema_of(state))
    if crm_engine.dialect.name == "postgresql":
        assert state_schema_of(state) not in inspect(state).get_schema_names()


# ---------------------------------------------------------------------- a CRM of release 0.1, not adopted
def _name(state: Engine, table: str) -> str:
    schema = state_schema_of(state)
    return f"{schema}.{table}" if schema else table


def test_migrate_refuses_an_unadopted_release_0_1_naming_the_command_and_changes_nothing(crm_engine):
    install_release_0_1(crm_engine)
    before = _crm_tables(crm_engine)
    with pytest.raises(LegacyStateError, match=r"run `python -m cleverreach\.crm\.adopt_legacy` once"):
        migrate(crm_engine)
    assert _crm_tables(crm_engine) == before
    state = state_engine_of(crm_engine)
    if crm_engine.dialect.name == "postgresql":  # not even the state's schema was created
        assert state_schema_of(state) not in inspect(state).get_schema_names()
    versions = {r["version"] for r in fetch(crm_engine, "SELECT version FROM cleverreach_schema_migration")}
    assert not any(v.startswith("state/") for v in versions)
    assert [r["id"] for r in fetch(crm_engine, "SELECT id FROM sync_run")] == [41]  # every row where it was


def test_migrate_refuses_an_unadopted_release_0_1_behind_a_state_connection_of_its_own(crm_engine, separate_state):
    install_release_0_1(crm_engine)
    with pytest.raises(LegacyStateError, match="adopt_legacy"):
        migrate(separate_state)
    assert inspect(state_engine_of(separate_state)).get_table_names() == []


# ---------------------------------------------------------------------- a migration that rebuilds a table
def test_0011_widens_the_audit_actions_and_keeps_every_event(crm_engine, monkeypatch):
    """The webhook actions of state/0011, on a state whose audit trail has events already: each kept with its id
    (SQLite rebuilds the table), the new words accepted, an unknown word still refused."""
    every = migrations.available_migrations
    monkeypatch.setattr(migrations, "available_migrations", lambda folder="state": [m for m in every(folder) if m[0] < "0011"])
    migrate(crm_engine)
    state = state_engine_of(crm_engine)
    table = _name(state, "audit_event")
    insert = text(f"INSERT INTO {table} (id, occurred_at, tenant_id, list_id, actor, action, detail) "
                  "VALUES (:id, CURRENT_TIMESTAMP, 'acme', '41', 'user:anna', :action, '{}')")
    with state.begin() as conn:
        conn.execute(insert, [{"id": 7, "action": "list_imported"}, {"id": 9, "action": "tenant_moved"}])
    with pytest.raises(IntegrityError), state.begin() as conn:
        conn.execute(insert, {"id": 10, "action": "webhook_registered"})

    monkeypatch.setattr(migrations, "available_migrations", lambda folder="state": [m for m in every(folder) if m[0] < "0012"])
    assert migrate(crm_engine) == ["state/0011"]
    monkeypatch.setattr(migrations, "available_migrations", every)
    with state.begin() as conn:
        conn.execute(insert, [{"id": 10, "action": "webhook_registered"}, {"id": 11, "action": "webhook_removed"}])
        rows = conn.execute(text(f"SELECT id, action FROM {table} ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(7, "list_imported"), (9, "tenant_moved"), (10, "webhook_registered"),
                                        (11, "webhook_removed")]
    with pytest.raises(IntegrityError), state.begin() as conn:
        conn.execute(insert, {"id": 12, "action": "something_else"})
    assert pending_migrations(crm_engine)[0] == "state/0012"


def test_0012_drops_the_run_index_the_run_and_email_index_covers(crm_engine, monkeypatch):
    """state/0012 drops ``sync_change_run_idx``; a run's changes are still found by the (run_id, email) index, whose
    leading column it was: the planner of either database uses that index for a lookup by run_id alone."""
    every = migrations.available_migrations
    monkeypatch.setattr(migrations, "available_migrations", lambda folder="state": [m for m in every(folder) if m[0] < "0012"])
    migrate(crm_engine)
    state = state_engine_of(crm_engine)

    def indexes() -> set[str]:
        return {i["name"] for i in inspect(state).get_indexes("sync_change", schema=state_schema_of(state))}

    assert {"sync_change_run_idx", "sync_change_run_email_idx"} <= indexes()
    monkeypatch.setattr(migrations, "available_migrations", every)
    assert migrate(crm_engine)[0] == "state/0012"
    assert "sync_change_run_idx" not in indexes() and "sync_change_run_email_idx" in indexes()
    table = _name(state, "sync_change")
    with state.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: the choice among indexes is the point
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN SELECT action, count(*) FROM {table} "
                                                               "WHERE run_id = 7 GROUP BY action"))
        else:
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN SELECT action, count(*) "
                                                                     f"FROM {table} WHERE run_id = 7 GROUP BY action"))
    assert "sync_change_run_email_idx" in plan, plan
    assert pending_migrations(crm_engine) == []
