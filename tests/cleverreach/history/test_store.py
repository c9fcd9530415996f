"""The history's store on SQLite and PostgreSQL: the old keys' migration, the per-mailing records."""

from __future__ import annotations

from helpers.crm_seed import add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.history.events import Mailing
from cleverreach.history.store import HistoryStore

ROW = ("INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, "
       "external_key) VALUES (:t, :c, :at, :kind, 'S', 'D', :source, :key)")


def test_migration_0008_rewrites_receiver_keys_to_contact_keys_without_duplicates(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"}, {"id": "b", "name": "B"})
    add_contacts(crm_engine, [{"id": 7, "tenant_id": "a"}, {"id": 8, "tenant_id": "a"}, {"id": 9, "tenant_id": "b"}])
    old = [
        # contact 7 was a receiver in two groups (r1, r2): one row is kept, the earlier one
        ("a", 7, "2025-01-02 10:00:00", "mail_sent", "cleverreach", "501/r2/mail_sent"),
        ("a", 7, "2025-01-02 09:00:00", "mail_sent", "cleverreach", "501/r1/mail_sent"),
        ("a", 7, "2025-01-02 11:00:00", "mail_clicked", "cleverreach", "501/r1/mail_clicked/3"),
        ("a", 7, "2025-01-02 11:05:00", "mail_clicked", "cleverreach", "501/r2/mail_clicked/4"),
        ("a", 8, "2025-01-02 09:00:00", "mail_sent", "cleverreach", "501/anna@example.org/mail_sent"),
        ("a", 8, "2025-01-03 09:00:00", "mail_clicked", "cleverreach", "501/x/mail_clicked/-"),
        ("a", 8, "2025-01-04 09:00:00", "unsubscribed", "cleverreach", "501/c8/unsubscribed"),  # already new
        ("b", 9, "2025-01-02 09:00:00", "mail_sent", "cleverreach", "501/r1/mail_sent"),  # another tenant
        ("a", 7, "2025-01-02 09:00:00", "mail_sent", "other-system", "501/r1/mail_sent"),  # not ours
    ]
    with crm_engine.begin() as conn:
        conn.execute(text(ROW), [dict(zip(("t", "c", "at", "kind", "source", "key"), row, strict=True)) for row in old])
        conn.execute(text("DELETE FROM cleverreach_schema_migration WHERE version = 'migrations/0008'"))
    assert migrate(crm_engine) == ["migrations/0008"]
    rows = fetch(crm_engine, "SELECT tenant_id, external_key, source, occurred_at FROM contact_history "
                             "ORDER BY tenant_id, source, external_key")
    assert [(r["tenant_id"], r["source"], r["external_key"]) for r in rows] == [
        ("a", "cleverreach", "501/c7/mail_clicked/3"),
        ("a", "cleverreach", "501/c7/mail_clicked/4"),
        ("a", "cleverreach", "501/c7/mail_sent"),
        ("a", "cleverreach", "501/c8/mail_clicked/-"),
        ("a", "cleverreach", "501/c8/mail_sent"),
        ("a", "cleverreach", "501/c8/unsubscribed"),
        ("a", "other-system", "501/r1/mail_sent"),
        ("b", "cleverreach", "501/c9/mail_sent"),
    ]
    assert str(rows[2]["occurred_at"]).startswith("2025-01-02 09:00")  # the earlier of the two
    # a second run of the same rewrite changes nothing
    with crm_engine.begin() as conn:
        conn.execute(text("DELETE FROM cleverreach_schema_migration WHERE version = 'migrations/0008'"))
    migrate(crm_engine)
    assert fetch(crm_engine, "SELECT tenant_id, external_key, source, occurred_at FROM contact_history "
                             "ORDER BY tenant_id, source, external_key") == rows


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
