"""Retention: finished runs older than the period lose their stored plan and message; leases are never touched."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.clock import utcnow
from cleverreach.housekeeping.retention import retention_cutoff
from cleverreach.operators.housekeeping import CleverReachRetentionOperator


def test_cutoff():
    now = datetime(2026, 11, 30, 12, 0)
    assert retention_cutoff(now, 90) == datetime(2026, 9, 1, 12, 0)
    with pytest.raises(ValueError):
        retention_cutoff(now, 0)


def test_old_finished_runs_lose_changes_and_messages_only(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    now = utcnow()
    runs = [(1, now - timedelta(days=91), "success", "3 items refused"), (2, now - timedelta(days=91), "running", "lease"),
            (3, now - timedelta(days=89), "failed", "recent")]
    with crm_engine.begin() as conn:
        for run_id, started, status, message in runs:
            conn.execute(text("INSERT INTO sync_run (id, tenant_id, list_id, started_at, status, message, added) "
                              "VALUES (:i, 'acme', :i, :s, :st, :m, 5)"), {"i": run_id, "s": started, "st": status, "m": message})
            conn.execute(text("INSERT INTO sync_change (run_id, list_id, email, action, result) "
                              "VALUES (:i, :i, 'p@example.org', 'add', 'ok')"), {"i": run_id})
    result = CleverReachRetentionOperator(task_id="r", retention_days="90").execute({})
    assert (result["sync_changes_deleted"], result["run_messages_cleared"]) == (1, 1)
    assert [r["run_id"] for r in fetch(crm_engine, "SELECT run_id FROM sync_change ORDER BY run_id")] == [2, 3]
    assert [(r["id"], r["message"], r["added"]) for r in fetch(crm_engine, "SELECT id, message, added FROM sync_run ORDER BY id")] == [
        (1, None, 5), (2, "lease", 5), (3, "recent", 5)]
    with pytest.raises(AirflowFailException, match="retention_days must be"):
        CleverReachRetentionOperator(task_id="r", retention_days="never").execute({})


def test_erasure_requests_past_retention_lose_their_ids_and_addresses_whatever_their_status(crm_engine):
    """A failed request keeps its data for the retry, but not beyond the retention (issue 18)."""
    from helpers.erasure import store_request

    from cleverreach.erasure.request_store import ErasureRequestStore

    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    old, recent = (store_request(crm_engine, "acme", [7], ["anna@example.org"]) for _ in range(2))
    requests = ErasureRequestStore(crm_engine)
    requests.failed(old)
    table = requests.state_table("erasure_request")
    with crm_engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET requested_at = :t WHERE id = :id"),
                     {"t": utcnow() - timedelta(days=91), "id": old})
    result = CleverReachRetentionOperator(task_id="r", retention_days="90").execute({})
    assert result["erasure_requests_purged"] == 1
    purged, kept = requests.get(old), requests.get(recent)
    assert (purged.request, str(purged.status), purged.purged_at is not None) == (None, "failed", True)
    assert kept.request is not None and kept.request.emails == ("anna@example.org",) and kept.purged_at is None
    rows = fetch(crm_engine, f"SELECT contact_ids, emails FROM {table} WHERE id = :id", id=old)
    assert rows == [{"contact_ids": None, "emails": None}]
    assert CleverReachRetentionOperator(task_id="r", retention_days="90").execute({})["erasure_requests_purged"] == 0
