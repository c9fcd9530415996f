"""The tenant lifecycle on real databases (SQLite and PostgreSQL): a rename re-keys every private row of OLD in one
transaction with its event, a move releases the account and clears what is known of its groups."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from sqlalchemy import text

from cleverreach.access import TenantGrantStore
from cleverreach.audit.actor import Actor
from cleverreach.clock import utcnow
from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import TenantIsolationError
from cleverreach.tenants.lifecycle import TenantLifecycleError
from cleverreach.tenants.lifecycle_store import TenantLifecycleStore
from cleverreach.tenants.service import TenantLifecycle
from cleverreach.tenants.store import Tenant, TenantStore

ADMIN = Actor.user("admin")


def _exec(store: TenantLifecycleStore, sql: str, rows: list[dict]) -> None:
    with store.state.begin() as conn:
        conn.execute(text(sql.format(**{t: store.state_table(t) for t in (
            "sync_run", "sync_owned_receiver", "sync_owner_intent", "sync_refusal", "mail_history_watermark",
            "mail_history_mailing", "cleverreach_login_check", "sync_approval", "erasure_request")})), rows)


@pytest.fixture
def crm(crm_engine):
    """Tenant "1" with a list (group 1001) of three members and private state of every kind."""
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "1", "name": "One"}, {"id": "2", "name": "Two"})
    add_contacts(crm_engine, [{"id": i, "tenant_id": "1", "email": f"p{i}@example.org"} for i in (1, 2, 3)])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (5, '1', '1001', 'News', CURRENT_TIMESTAMP)"))
    add_members(crm_engine, 5, [1], "synced")
    add_members(crm_engine, 5, [2], "unsubscribed")
    add_members(crm_engine, 5, [3], "rejected")
    store = TenantLifecycleStore(crm_engine)
    now = utcnow()
    _exec(store, "INSERT INTO {sync_run} (tenant_id, list_id, dag_id, run_id, started_at, finished_at, status) "
                 "VALUES ('1', 5, 'd', :run, :now, :now, 'success')", [{"run": "r1", "now": now}, {"run": "r2", "now": now}])
    _exec(store, "INSERT INTO {sync_owned_receiver} (list_id, group_id, email_key, receiver_id, contact_person_id, "
                 "origin, since) VALUES (5, '1001', 'p1@example.org', '9001', 1, 'created', :now)", [{"now": now}])
    _exec(store, "INSERT INTO {sync_refusal} (list_id, contact_person_id, action, payload_hash, refused_at) "
                 "VALUES (5, 3, 'add', 'h', :now)", [{"now": now}])
    _exec(store, "INSERT INTO {sync_owner_intent} (list_id, group_id, email_key, contact_person_id, origin, sync_run_id, "
                 "created_at) VALUES ('5', '1001', 'p2@example.org', '2', 'created', 1, :now)", [{"now": now}])
    _exec(store, "INSERT INTO {mail_history_watermark} (list_id, finished_until, updated_at) VALUES (5, 100, :now)",
          [{"now": now}])
    _exec(store, "INSERT INTO {mail_history_mailing} (tenant_id, mailing_id, finished, updated_at) "
                 "VALUES ('1', 'm1', 100, :now)", [{"now": now}])
    _exec(store, "INSERT INTO {cleverreach_login_check} (tenant_id, checked_at, ok) VALUES ('1', :now, true)",
          [{"now": now}])
    _exec(store, "INSERT INTO {sync_approval} (tenant_id, list_id, blocked_sync_run_id, max_removals, approved_by, "
                 "approved_at, dag_id, dag_run_id) SELECT '1', '5', min(id), 30, 'user:admin', :now, "
                 "'cleverreach_sync_recipients', 'approved__1' FROM {sync_run}", [{"now": now}])
    _exec(store, "INSERT INTO {erasure_request} (id, tenant_id, contact_ids, requested_by, requested_at, status) "
                 "VALUES ('ref1', '1', '[\"1\"]', 'user:admin', :now, 'pending')", [{"now": now}])
    TenantStore(crm_engine).check_isolation(Tenant("1", "One", "cleverreach_1"), "ACCOUNT-A")
    TenantGrantStore(crm_engine).grant("eve", "1", ADMIN)
    return crm_engine


def crm_rename(engine, old: str, new: str) -> None:
    """What the CRM does itself: its rows of OLD become NEW's."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name, active) VALUES (:new, 'One renamed', true)"), {"new": new})
        for table in ("contact_person", "recipient_list"):
            conn.execute(text(f"UPDATE {table} SET tenant_id = :new WHERE tenant_id = :old"), {"old": old, "new": new})
        conn.execute(text("DELETE FROM tenant WHERE id = :old"), {"old": old})


def test_a_rename_rekeys_every_private_row_and_its_audit_trail(crm):
    store = TenantLifecycleStore(crm)
    before = store.state_counts("1")
    assert before == {"sync_run": 2, "mail_history_mailing": 1, "cleverreach_tenant_account": 1, "audit_event": 1,
                      "cleverreach_tenant_grant": 1, "cleverreach_login_check": 1, "sync_approval": 1,
                      "erasure_request": 1, "webhook_registration": 0, "webhook_event": 0}
    crm_rename(crm, "1", "one")
    with pytest.raises(TenantIsolationError, match="logs into the CleverReach account that tenant '1' uses"):  # as found
        TenantStore(crm).check_isolation(Tenant("one", "One", "cleverreach_one"), "ACCOUNT-A")

    report = TenantLifecycle(crm, ADMIN).rename("1", "one")

    assert report["changed"] and report["rows"]["sync_run"] == 2
    assert set(store.state_counts("1").values()) == {0}
    after = store.state_counts("one")
    assert after == {**before, "audit_event": before["audit_event"] + 1}
    TenantStore(crm).check_isolation(Tenant("one", "One", "cleverreach_one"), "ACCOUNT-A")  # the binding is NEW's
    assert store.accounts("one")[0]["conn_id"] == "cleverreach_one"
    assert TenantGrantStore(crm).scope("eve").tenants == frozenset({"one"})
    events = fetch(crm, "SELECT tenant_id, action, actor, detail FROM audit_event ORDER BY id")
    assert [(e["tenant_id"], e["action"]) for e in events] == [("one", "access_granted"), ("one", "tenant_renamed")]
    assert json.loads(events[-1]["detail"])["old_tenant_id"] == "1" and events[-1]["actor"] == "user:admin"

    again = TenantLifecycle(crm, ADMIN).rename("1", "one")  # a retry converges
    assert again["changed"] is False and store.state_counts("one") == after


def test_a_rename_is_refused_into_existing_state_outside_the_crm_and_during_a_sync(crm):
    store = TenantLifecycleStore(crm)
    service = TenantLifecycle(crm, ADMIN)
    with pytest.raises(TenantLifecycleError, match="'1' is still a tenant of the CRM"):
        service.rename("1", "2")
    crm_rename(crm, "1", "one")
    with pytest.raises(TenantLifecycleError, match="'nobody' is not an active tenant of the CRM"):
        service.rename("1", "nobody")
    TenantStore(crm).check_isolation(Tenant("2", "Two", "cleverreach_2"), "ACCOUNT-B")  # "2" has state of its own
    with crm.begin() as conn:
        conn.execute(text("DELETE FROM tenant WHERE id = '2'"))
    crm_rename(crm, "one", "2")
    with pytest.raises(TenantLifecycleError, match=r"'2' already has private state of its own \(cleverreach_tenant_account: 1\)"):
        service.rename("1", "2")
    crm_rename(crm, "2", "uno")
    _exec(store, "INSERT INTO {sync_run} (tenant_id, list_id, dag_id, run_id, started_at, heartbeat_at, status) "
                 "VALUES ('1', 5, 'd', 'live', :now, :now, 'running')", [{"now": utcnow()}])
    before = {tenant: store.state_counts(tenant) for tenant in ("1", "uno")}
    with pytest.raises(TenantLifecycleError, match=r"tenant '1' has a running sync: sync_run \d+ of list 5 \(d live\)"):
        service.rename("1", "uno")
    assert {tenant: store.state_counts(tenant) for tenant in ("1", "uno")} == before  # nothing changed
    stale = TenantLifecycle(crm, ADMIN, lease_timeout=timedelta(seconds=-1))  # a silent holder holds nothing up
    assert stale.rename("1", "uno")["changed"]


def test_a_move_releases_the_account_and_clears_what_is_known_of_its_groups(crm):
    store = TenantLifecycleStore(crm)
    report = TenantLifecycle(crm, ADMIN).move("1")

    assert report["released_accounts"] == ["ACCOUNT-A"] and report["lists_marked_gone"] == 1
    assert report["approvals_withdrawn"] == 1 and store.state_counts("1")["sync_approval"] == 0
    assert store.state_counts("1")["erasure_request"] == 1  # an erasure requested before the move is still owed
    assert (report["owned_receivers"], report["owner_intents"], report["refusals"], report["watermarks"],
            report["mailing_records"]) == (1, 1, 1, 1, 1)
    assert report["members_pending"] == 2  # synced and rejected; the unsubscribe is the person's and stays
    states = {r["contact_person_id"]: (r["sync_state"], r["synced_at"], r["sync_error"])
              for r in fetch(crm, "SELECT * FROM recipient_list_member")}
    assert states == {1: ("pending", None, None), 2: ("unsubscribed", None, None), 3: ("pending", None, None)}
    assert fetch(crm, "SELECT remote_deleted_at FROM recipient_list")[0]["remote_deleted_at"] is not None
    counts = store.state_counts("1")
    assert counts["cleverreach_tenant_account"] == counts["mail_history_mailing"] == counts["cleverreach_login_check"] == 0
    assert counts["sync_run"] == 2  # the runs stay: they are the tenant's history, not the account's
    for table in ("sync_owned_receiver", "sync_owner_intent", "sync_refusal", "mail_history_watermark"):
        assert fetch(crm, f"SELECT * FROM {table}") == []
    TenantStore(crm).check_isolation(Tenant("1", "One", "cleverreach_1"), "ACCOUNT-NEW")  # the next check binds it
    assert [a["account_id"] for a in store.accounts("1")] == ["ACCOUNT-NEW"]
    events = [(e["action"], e["list_id"], json.loads(e["detail"]))
              for e in fetch(crm, "SELECT * FROM audit_event WHERE action IN ('list_gone', 'tenant_moved') ORDER BY id")]
    assert [(a, str(l)) for a, l, _ in events] == [("list_gone", "5"), ("tenant_moved", "None")]
    assert events[0][2] == {"group_id": "1001", "moved": True}
    assert events[1][2]["account_id"] == "ACCOUNT-A" and events[1][2]["owned_receivers"] == 1


def test_a_move_is_refused_during_a_sync_and_for_an_unknown_tenant(crm):
    store = TenantLifecycleStore(crm)
    _exec(store, "INSERT INTO {sync_run} (tenant_id, list_id, dag_id, run_id, started_at, heartbeat_at, status) "
                 "VALUES ('1', 5, 'd', 'live', :now, :now, 'running')", [{"now": utcnow()}])
    with pytest.raises(TenantLifecycleError, match="tenant '1' has a running sync"):
        TenantLifecycle(crm, ADMIN).move("1")
    assert store.accounts("1") and fetch(crm, "SELECT remote_deleted_at FROM recipient_list")[0]["remote_deleted_at"] is None
    with pytest.raises(TenantLifecycleError, match="'9' is not an active tenant"):
        TenantLifecycle(crm, ADMIN).move("9")
