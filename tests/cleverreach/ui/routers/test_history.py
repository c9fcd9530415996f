"""A contact's history, newest first, only for the tenant's own contacts."""

from __future__ import annotations

from sqlalchemy import text


def test_history_newest_first_and_paged(page):
    with page.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, source, external_key)"
            " VALUES ('a', 1, :at, :kind, 'March news', 'cleverreach', :key)"),
            [{"at": f"2026-03-0{d} 10:00:00", "kind": k, "key": f"k{d}"} for d, k in ((1, "mail_sent"), (2, "mail_opened"))])
    body = page.get("/tenants/a/contacts/1/history", user="viewer").json()
    assert body["contact"]["first_name"] == "F01"
    assert [e["kind"] for e in body["events"]] == ["mail_opened", "mail_sent"]
    assert [e["kind"] for e in page.get("/tenants/a/contacts/1/history?page=2&page_size=1").json()["events"]] == ["mail_sent"]


def test_another_tenants_contact_reads_as_missing(page):
    assert page.get("/tenants/a/contacts/100/history").status_code == 404
    assert page.get("/tenants/a/contacts/0/history").status_code == 404  # a key, of nobody
    assert page.get("/tenants/a/contacts/abc/history").status_code == 404  # no key of this CRM's type: nobody


def test_history_times_are_shown_in_the_tenants_zone_with_their_offset(page):
    """Stored in UTC, sent in the tenant's zone (Europe/Berlin by default, the CRM's tenant.time_zone when set)."""
    with page.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, source, external_key)"
            " VALUES ('a', 1, :at, 'mail_sent', 'Winter news', 'cleverreach', 'w1')"), {"at": "2026-01-15 10:00:00"})
    body = page.get("/tenants/a/contacts/1/history", user="viewer").json()
    assert body["time_zone"] == "Europe/Berlin"
    assert [e["occurred_at"] for e in body["events"]] == ["2026-01-15T11:00:00+01:00"]  # CET in January
    with page.engine.begin() as conn:
        conn.execute(text("UPDATE tenant SET time_zone = 'America/New_York' WHERE id = 'a'"))
    body = page.get("/tenants/a/contacts/1/history", user="viewer").json()
    assert body["time_zone"] == "America/New_York"
    assert [e["occurred_at"] for e in body["events"]] == ["2026-01-15T05:00:00-05:00"]
