"""cleverreach_manage_members through Airflow: add, re-add, remove, refusals, and the triggered sync run."""

from __future__ import annotations

import pytest
from helpers.audit import audit_events, run_actor
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

DAG_ID = "cleverreach_manage_members"
SYNC_DAG_ID = "cleverreach_sync_recipients"


@pytest.fixture
def sync_runs():
    """Run ids and confs of cleverreach_sync_recipients runs; the ones a test triggers are deleted after it."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import delete, select

    def current() -> dict[str, dict]:
        with create_session() as session:
            return {dr.run_id: dr.conf for dr in session.scalars(select(DagRun).where(DagRun.dag_id == SYNC_DAG_ID))}

    before = set(current())
    yield current
    created = set(current()) - before
    if created:
        with create_session() as session:
            session.execute(delete(DagRun).where(DagRun.dag_id == SYNC_DAG_ID, DagRun.run_id.in_(created)))


@pytest.fixture
def crm(crm_engine) -> dict[str, int]:
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME GmbH"}, {"id": "beta", "name": "Beta AG"})
    add_addresses(crm_engine, [
        {"id": 1, "tenant_id": "acme", "name": "Apotheke am Markt", "category": "Kunde"},
        {"id": 2, "tenant_id": "acme", "name": "Ärztehaus", "category": "kunde"},
        {"id": 3, "tenant_id": "acme", "name": "Zeta GmbH", "category": "Lieferant"},
        {"id": 9, "tenant_id": "beta", "name": "Beta Kunde", "category": "Kunde"},
    ])
    add_contacts(crm_engine, [
        {"id": 10, "tenant_id": "acme", "address_id": 1, "email": "a@example.org"},
        {"id": 11, "tenant_id": "acme", "address_id": 2, "email": None},
        {"id": 12, "tenant_id": "acme", "address_id": 2, "email": "b@example.org"},
        {"id": 13, "tenant_id": "acme", "address_id": 3, "email": "z@example.org"},
        {"id": 90, "tenant_id": "beta", "address_id": 9, "email": "beta@example.org"},
    ])
    with crm_engine.begin() as conn:
        for tenant, external_id, name in [("acme", "1001", "Newsletter"), ("beta", "2001", "Presse")]:
            conn.execute(
                text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                     "VALUES (:t, :e, :n, CURRENT_TIMESTAMP)"),
                {"t": tenant, "e": external_id, "n": name},
            )
    return {r["tenant_id"]: r["id"] for r in fetch(crm_engine, "SELECT id, tenant_id FROM recipient_list")}


def member_rows(engine) -> list[tuple]:
    rows = fetch(engine, "SELECT list_id, contact_person_id, sync_state, added_by FROM recipient_list_member")
    return sorted((r["list_id"], r["contact_person_id"], r["sync_state"], r["added_by"]) for r in rows)


def test_add_by_category_readd_and_remove(crm, crm_engine, sync_runs):
    list_id = crm["acme"]
    result = run_dag(DAG_ID, {"tenant": "acme", "list_id": list_id, "category": "KUNDE"})
    assert result.state == "success", result
    assert result.value("manage_members") == {
        "tenant_id": "acme", "list_id": str(list_id), "action": "add", "matched": 3, "added": 3, "already_present": 0,
        "removed": 0, "not_on_list": 0, "without_valid_email": 1, "sync_conf": {"tenant": "acme", "list_id": str(list_id)},
    }
    actor = run_actor(DAG_ID, result.run_id)  # dag.test() runs as "dag_test": user:dag_test
    assert member_rows(crm_engine) == [(list_id, cid, "pending", actor) for cid in (10, 11, 12)]
    assert result.states("trigger_sync") == ["success"]
    triggered = sync_runs()
    assert {"tenant": "acme", "list_id": str(list_id)} in [
        {k: conf.get(k) for k in ("tenant", "list_id")} for conf in triggered.values()
    ]

    # Again, without the sync: nothing changes, and no sync run is triggered.
    result = run_dag(DAG_ID, {"tenant": "acme", "list_id": list_id, "category": "kunde", "sync_after": False})
    assert result.state == "success", result
    assert result.value("manage_members")["added"] == 0
    assert result.value("manage_members")["already_present"] == 3
    assert result.states("trigger_sync") == ["skipped"]
    assert sync_runs() == triggered
    assert member_rows(crm_engine) == [(list_id, cid, "pending", actor) for cid in (10, 11, 12)]

    result = run_dag(
        DAG_ID, {"tenant": "acme", "list_id": list_id, "action": "remove", "contact_ids": [11, 13], "sync_after": False}
    )
    assert result.state == "success", result
    counts = result.value("manage_members")
    assert (counts["matched"], counts["removed"], counts["not_on_list"]) == (2, 1, 1)
    assert member_rows(crm_engine) == [(list_id, cid, "pending", actor) for cid in (10, 12)]
    # the audit: who added and removed how many (never whom); the re-add changed nothing and is not recorded
    events = audit_events(crm_engine, "members_")
    assert [(e["action"], e["actor"], e["list_id"], e["detail"]) for e in events] == [
        ("members_added", actor, str(list_id), {"matched": 3, "added": 3, "already_present": 0}),
        ("members_removed", run_actor(DAG_ID, result.run_id), str(list_id), {"matched": 2, "removed": 1, "not_on_list": 1}),
    ]
    assert events[-1]["run_id"] == result.run_id and events[-1]["dag_id"] == DAG_ID
    assert sync_runs() == triggered


def test_list_of_another_tenant_is_refused_before_anything_is_written(crm, crm_engine, sync_runs):
    before = sync_runs()
    result = run_dag(DAG_ID, {"tenant": "acme", "list_id": crm["beta"], "category": "Kunde"})
    assert result.state == "failed"
    assert result.states("manage_members") == ["failed"]
    assert result.states("trigger_sync") in (["upstream_failed"], [])
    assert member_rows(crm_engine) == []
    assert sync_runs() == before
