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
    assert page.get("/tenants/a/contacts/0/history").status_code == 422
