"""The list screen: local name and short description, the Sprachen tab, read-only facts, the last sync."""

from __future__ import annotations

import pytest


def test_list_detail_shows_the_external_id_remote_count_counts_and_no_sync_yet(page):
    body = page.get("/tenants/a/lists/1", user="viewer").json()
    assert (body["external_id"], body["remote_member_count"], body["last_sync"]) == ("501", 40, None)
    assert body["member_counts"] == {"synced": 40, "pending": 10, "rejected": 10}


def test_an_editor_renames_a_list_locally_and_blank_description_is_none(page):
    resp = page.put("/tenants/a/lists/1", user="editor", json={"name": "  Kunden-News ", "short_description": "  "})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["name"], resp.json()["short_description"]) == ("Kunden-News", None)
    (row,) = page.rows("SELECT name, short_description, external_id, changed_by FROM recipient_list WHERE id = 1")
    assert row == {"name": "Kunden-News", "short_description": None, "external_id": "501", "changed_by": "user:editor"}


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": 5}, {"name": "ok", "short_description": "x" * 1001},
    {"name": "ok", "external_id": "999"},  # read-only: an unknown field, refused
])
def test_list_edits_are_validated(page, body):
    resp = page.put("/tenants/a/lists/1", json=body)
    assert resp.status_code == 422, resp.text
    assert page.rows("SELECT name, external_id FROM recipient_list WHERE id = 1") == [{"name": "Newsletter", "external_id": "501"}]


def test_unknown_and_bad_list_ids(page):
    assert page.get("/tenants/a/lists/99").status_code == 404
    assert page.get("/tenants/a/lists/0").status_code == 404  # keys are text: no such list
    assert page.get("/tenants/a/lists/abc").status_code == 404
    assert page.put("/tenants/zz/lists/1", json={"name": "x"}).status_code == 404
    assert page.get("/tenants/a%20b/lists").status_code == 422


def test_translations_are_added_replaced_listed_and_deleted(page):
    assert page.put("/tenants/a/lists/1/translations/en", user="editor",
                    json={"name": "Newsletter EN", "short_description": "monthly"}).status_code == 200
    resp = page.put("/tenants/a/lists/1/translations/fr-CH", user="editor", json={"name": "Lettre"})
    assert [t["language"] for t in resp.json()] == ["en", "fr-CH"]
    page.put("/tenants/a/lists/1/translations/en", user="editor", json={"name": "News (EN)"})
    translations = page.get("/tenants/a/lists/1").json()["translations"]
    assert [(t["language"], t["name"], t["changed_by"]) for t in translations] == [
        ("en", "News (EN)", "user:editor"), ("fr-CH", "Lettre", "user:editor")]
    assert page.delete("/tenants/a/lists/1/translations/en", user="editor").status_code == 204
    assert page.delete("/tenants/a/lists/1/translations/en", user="editor").status_code == 404
    assert [t["language"] for t in page.get("/tenants/a/lists/1").json()["translations"]] == ["fr-CH"]


@pytest.mark.parametrize("language", ["EN", "english", "e", "de_DE", "de-de", "1a"])
def test_bad_language_codes_are_refused(page, language):
    assert page.put(f"/tenants/a/lists/1/translations/{language}", json={"name": "x"}).status_code == 422


def test_a_translation_of_another_tenants_list_is_refused(page):
    assert page.put("/tenants/a/lists/2/translations/en", json={"name": "x"}).status_code == 404
    assert page.rows("SELECT count(*) AS n FROM recipient_list_translation") == [{"n": 0}]
