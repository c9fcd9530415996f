"""The history's store on SQLite and PostgreSQL: the per-mailing records."""

from __future__ import annotations

from helpers.crm_seed import add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.history import store as history_store
from cleverreach.history.events import ContactIndex, Mailing, history_rows
from cleverreach.history.store import HistoryStore

ROW = ("INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, "
       "external_key) VALUES (:t, :c, :at, :kind, 'S', 'D', :source, :key)")



def test_per_mailing_records_count_failures_and_a_read_clears_them(crm_engine):
    migrate(crm_engine)
    store = HistoryStore(crm_engine)
    mailing = Mailing("501", "M", "S", finished=1_700_000_000, group_ids=("1",))
    store.record_failure("a", mailing, "CleverReachServerError")
    store.record_failure("a", mailing, "CleverReachDeadlineError")
    store.record_failure("b", mailing, "CleverReachServerError")
    (failed,) = store.failed_mailings("a")
    assert (failed.mailing_id, failed.failures, failed.error_class, failed.read_at) == (
        "501", 2, "CleverReachDeadlineError", None)
    store.save([], read=("a", mailing, 1_700_100_000, 3))
    assert store.failed_mailings("a") == []
    record = store.mailing_records("a")["501"]
    assert (record.read_at, record.failures, record.error_class, record.unmatched) == (1_700_100_000, 0, None, 3)
    assert store.failed_mailings("b")[0].failures == 1  # per tenant
    store.forget_failure("b", store.failed_mailings("b")[0])
    assert store.failed_mailings("b") == [] and store.mailing_records("b")["501"].read_at is None


def test_rows_are_written_in_chunks_each_once(crm_engine, monkeypatch):
    """A million rows are bound and sent in chunks; a rerun over rows already written inserts only the rest."""
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"})
    people = [(i, f"p{i}@example.org") for i in range(1, 6)]
    add_contacts(crm_engine, [{"id": i, "tenant_id": "a", "email": address} for i, address in people])
    monkeypatch.setattr(history_store, "INSERT_CHUNK", 2)
    mailing = Mailing("501", "M", "S", finished=1_700_000_000, group_ids=("1",))
    rows = history_rows("a", mailing, "sent", [{"id": f"r{i}", "email": address} for i, address in people],
                        ContactIndex(people)).rows
    store = HistoryStore(crm_engine)
    assert store.save(rows[:3]) == 3
    assert store.save(rows) == 2
    written = fetch(crm_engine, "SELECT contact_person_id, external_key FROM contact_history ORDER BY external_key")
    assert [(r["contact_person_id"], r["external_key"]) for r in written] == [(i, f"501/c{i}/mail_sent") for i, _ in people]
