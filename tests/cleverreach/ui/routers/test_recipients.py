"""The "add recipients" dialog: vocabulary, preview (writes nothing), add (a DAG run)."""

from __future__ import annotations

import pytest


def test_vocabulary_is_the_tenants_own(page):
    words = page.get("/tenants/a/lists/1/recipients/vocabulary", user="viewer").json()
    assert words["letter"][0] == "A" and words["letter"][-1] == "0-9"
    assert (words["tag"], words["category"], words["sales_process"]) == (["VIP"], ["Kunde", "Lieferant"], ["Messe"])


def test_preview_counts_first_rows_and_missing_emails_without_writing(page):
    body = page.post("/tenants/a/lists/1/recipients/preview", user="editor", json={"letter": "a"}).json()
    assert body["count"] == 30  # Ärztehaus files under A: the odd contact ids
    assert body["without_valid_email"] == 0
    assert len(body["rows"]) == 20 and {r["name"] for r in body["rows"]} == {"Ärztehaus Nord"}
    body = page.post("/tenants/a/lists/1/recipients/preview", json={"category": "lieferant", "search": "ulm"}).json()
    assert (body["count"], body["without_valid_email"]) == (30, 6)
    assert page.rows("SELECT count(*) AS n FROM recipient_list_member") == [{"n": 61}]


def test_a_viewer_may_not_preview_the_tenants_contacts(page):
    """The preview shows names and e-mail addresses: an editor's tool of the add dialog (issue 18)."""
    resp = page.post("/tenants/a/lists/1/recipients/preview", user="viewer", json={"letter": "a"})
    assert resp.status_code == 403, resp.text
    assert "lacks the CleverReach right 'manage_lists'" in resp.json()["detail"]
    assert "example.org" not in resp.text


@pytest.mark.parametrize("body", [
    {}, {"letter": ""}, {"letter": "Ä"}, {"letter": "AB"}, {"tag": "x" * 201}, {"search": 7},
    {"contact_ids": [-1]}, {"contact_ids": "1,2"}, {"letter": "A", "address_ids": [1]}, {"color": "red"},
])
def test_bad_filters_are_refused(page, body):
    resp = page.post("/tenants/a/lists/1/recipients/preview", json=body)
    assert resp.status_code == 422, resp.text


def test_contact_ids_of_another_tenant_are_refused_by_the_dialogs_own_check(page):
    resp = page.post("/tenants/a/lists/1/recipients/preview", json={"contact_ids": [100]})
    assert resp.status_code == 422
    assert "another tenant" in resp.json()["detail"]


def test_add_triggers_manage_members_with_the_filters(page):
    resp = page.post("/tenants/a/lists/1/recipients/add", user="editor", json={"tag": "vip", "letter": "A"})
    assert resp.status_code == 200, resp.text
    run = page.run("cleverreach_manage_members", resp.json()["dag_run_id"])
    assert run["conf"] == {"tenant": "a", "list_id": "1", "action": "add", "sync_after": True, "tag": "vip", "letter": "A"}
    assert run["triggering_user_name"] == "editor" and run["note"].startswith("CleverReach page: add")
