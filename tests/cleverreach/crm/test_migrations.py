"""The CRM schema: created idempotently on SQLite and PostgreSQL, migrations applied once, in order, from
the package's own SQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from cleverreach.crm.migrations import MIGRATION_TABLE, available_migrations, create_crm_tables, migrate
from cleverreach.crm import sql
from cleverreach.crm.sql import PACKAGE_SQL_DIR

INTEGRATION_TABLES = {"recipient_list", "recipient_list_member", "contact_history", "sync_run", "sync_change"}
CRM_TABLES = {"tenant", "address", "address_tag", "address_sales_process", "contact_person"}


def test_migrate_creates_every_table_and_records_versions(crm_engine):
    applied = migrate(crm_engine)
    assert applied == [f"migrations/{v}" for v, _ in available_migrations()]
    tables = set(inspect(crm_engine).get_table_names())
    assert INTEGRATION_TABLES | CRM_TABLES | {MIGRATION_TABLE} <= tables
    with crm_engine.connect() as conn:
        recorded = [r[0] for r in conn.execute(text(f"SELECT version FROM {MIGRATION_TABLE} ORDER BY version"))]
    assert recorded == applied


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
    assert sorted(v for r in results for v in r) == [f"migrations/{v}" for v, _ in available_migrations()]


def test_constraints_hold(crm_engine):
    migrate(crm_engine)
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name) VALUES ('a', 'A')"))
        conn.execute(
            text(
                "INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                "VALUES ('a', '1', 'L', CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(IntegrityError):  # unique (tenant_id, external_id)
        with crm_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                    "VALUES ('a', '1', 'again', CURRENT_TIMESTAMP)"
                )
            )
    with pytest.raises(IntegrityError):  # sync_state is one of five values
        with crm_engine.begin() as conn:
            conn.execute(text("INSERT INTO contact_person (id, tenant_id, email) VALUES (1, 'a', 'x@example.org')"))
            list_id = conn.execute(text("SELECT id FROM recipient_list")).scalar()
            conn.execute(
                text(
                    "INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                    "VALUES (:l, 1, CURRENT_TIMESTAMP, 'bogus')"
                ),
                {"l": list_id},
            )
    with pytest.raises(IntegrityError):  # foreign keys are enforced on SQLite too
        with crm_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                    "VALUES (999, 1, CURRENT_TIMESTAMP)"
                )
            )


def test_identity_ids_are_generated(crm_engine):
    migrate(crm_engine)
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name) VALUES ('a', 'A')"))
        for ext in ("1", "2"):
            conn.execute(
                text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) VALUES ('a', :e, 'L', CURRENT_TIMESTAMP)"),
                {"e": ext},
            )
        ids = [r[0] for r in conn.execute(text("SELECT id FROM recipient_list ORDER BY id"))]
    assert len(set(ids)) == 2 and all(isinstance(i, int) for i in ids)


def test_migrations_ship_with_the_package_and_need_no_adapter_folder(crm_engine, monkeypatch):
    monkeypatch.delenv("AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR", raising=False)
    monkeypatch.delenv("CLEVERREACH_SQL_DIR", raising=False)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.setattr(sql, "_checkout_include_sql", lambda: None)  # as when installed from the wheel
    assert sql.sql_roots().adapter is None
    shipped = sorted({p.name.split(".")[0] for p in (PACKAGE_SQL_DIR / "migrations").glob("*.sql")})  # variants once
    assert [stem for _, stem in available_migrations()] == shipped
    assert migrate(crm_engine) == [f"migrations/{stem[:4]}" for stem in shipped]
