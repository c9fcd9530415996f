"""``audit_event`` on SQLite and PostgreSQL: written with the change or not at all, append-only, kept by the
retention, and its CHECK constraints."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from helpers.crm_seed import fetch
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.enums import AuditAction
from cleverreach.housekeeping.retention import RetentionStore
from cleverreach.lists.plan import ListImportPlan, LocalList, RemoteGroup
from cleverreach.lists.store import ListStore

RUN = Actor.of(None, "cleverreach_import_lists", "scheduled__2026-01-01")


def test_an_import_records_each_list_created_revived_and_gone_in_its_transaction(engine):
    store = ListStore(engine)
    store.apply_import("acme", ListImportPlan(create=[RemoteGroup("1001", "Newsletter"), RemoteGroup("1002", "Kunden")]),
                       actor=RUN)
    ids = {row["external_id"]: row["id"] for row in store.lists("acme")}
    assert {row["created_by"] for row in fetch(engine, "SELECT created_by FROM recipient_list")} == {RUN.name}
    gone = LocalList(ids["1002"], "1002", "Kunden")
    store.apply_import("acme", ListImportPlan(mark_deleted=[gone]), actor=RUN)
    back = LocalList(ids["1002"], "1002", "Kunden", remote_deleted=True)
    store.apply_import("acme", ListImportPlan(refresh=[(back, RemoteGroup("1002", "Kunden", 3))]), actor=RUN)
    rows = fetch(engine, "SELECT action, list_id, actor, detail, dag_id, run_id FROM audit_event ORDER BY id")
    assert [(r["action"], int(r["list_id"]), r["detail"]) for r in rows] == [  # the list key is text in the state
        ("list_imported", ids["1001"], '{"group_id": "1001"}'), ("list_imported", ids["1002"], '{"group_id": "1002"}'),
        ("list_gone", ids["1002"], '{"group_id": "1002"}'), ("list_revived", ids["1002"], '{"group_id": "1002"}'),
    ]
    assert {(r["actor"], r["dag_id"], r["run_id"]) for r in rows} == {(RUN.name, RUN.dag_id, RUN.run_id)}


def test_a_change_that_fails_records_no_event(engine):
    store = ListStore(engine)
    store.apply_import("acme", ListImportPlan(create=[RemoteGroup("1001", "Newsletter")]), actor=RUN)
    (row,) = store.lists("acme")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        AuditStore(engine).record(conn, AuditEvent(AuditAction.LIST_RENAMED, "acme", RUN, row["id"]))
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (:id, 'acme', '9', 'x', CURRENT_TIMESTAMP)"), {"id": row["id"]})  # the change fails
    assert [r["action"] for r in fetch(engine, "SELECT action FROM audit_event")] == ["list_imported"]


@pytest.mark.parametrize(("column", "value"), [("action", "list_deleted"), ("actor", "cleverreach_import_lists"),
                                               ("actor", "user:"), ("actor", "run:")])
def test_the_table_refuses_unknown_actions_and_bare_names(engine, column, value):
    params = AuditEvent(AuditAction.LIST_RENAMED, "acme", RUN, 1).params(datetime(2026, 1, 1))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(AuditStore(engine).q("audit_insert"), {**params, column: value})


def test_the_retention_keeps_the_audit_trail(engine):
    AuditStore(engine).add(AuditEvent(AuditAction.LIST_RENAMED, "acme", RUN, 1))
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET occurred_at = :old"), {"old": datetime(2000, 1, 1)})
    RetentionStore(engine).purge_before(datetime.now() + timedelta(days=1))
    assert len(fetch(engine, "SELECT id FROM audit_event")) == 1
