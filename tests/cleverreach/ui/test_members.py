"""The members table: server-side paging, sorting and the state filter; removing through the DAG."""

from __future__ import annotations

import pytest


def test_pages_do_not_overlap_and_cover_the_list(page):
    seen = []
    for number in (1, 2, 3):
        body = page.get(f"/tenants/a/lists/1/members?page={number}&page_size=25", user="viewer").json()
        assert (body["total"], body["pages"]) == (60, 3)
        seen += [row["contact_person_id"] for row in body["rows"]]
    assert seen == list(range(1, 61))


def test_the_state_filter_and_the_synchronised_tick(page):
    body = page.get("/tenants/a/lists/1/members?state=rejected&page_size=100").json()
    assert body["total"] == 10 and {row["sync_state"] for row in body["rows"]} == {"rejected"}
    assert not any(row["synchronised"] for row in body["rows"])
    synced = page.get("/tenants/a/lists/1/members?state=synced&page_size=5").json()
    assert synced["total"] == 40 and all(row["synchronised"] for row in synced["rows"])


@pytest.mark.parametrize(("sort", "order", "first_ids"), [
    ("contact", "desc", [60, 59, 58]),
    ("person", "asc", [60, 59, 58]),  # last names L00, L01, …
    ("person", "desc", [1, 2, 3]),
    ("email", "asc", [11, 12, 13]),  # p11@ < p12@ < p13@ < p1@ (digit before "@"); NULL e-mails last
    ("state", "asc", [41, 42, 43]),  # pending < rejected < synced
    ("function", "asc", [3, 6, 9]),  # CEO first, NULLs last
])
def test_sorting(page, sort, order, first_ids):
    body = page.get(f"/tenants/a/lists/1/members?sort={sort}&order={order}&page_size=3").json()
    assert [row["contact_person_id"] for row in body["rows"]] == first_ids


def test_null_emails_sort_last_both_ways(page):
    for order in ("asc", "desc"):
        rows = page.get(f"/tenants/a/lists/1/members?sort=email&order={order}&page_size=60").json()["rows"]
        assert [r["email"] for r in rows[-6:]] == [None] * 6


@pytest.mark.parametrize("query", ["state=gone", "sort=name", "order=up", "page=0", "page=x", "page_size=0",
                                   "page_size=501"])
def test_bad_paging_and_sorting_input(page, query):
    resp = page.get(f"/tenants/a/lists/1/members?{query}")
    assert resp.status_code == 422, resp.text


def test_removing_picked_members_triggers_the_dag_as_the_user(page):
    resp = page.post("/tenants/a/lists/1/members/remove", user="editor", json={"contact_ids": [3, 2, 3]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["dag_id"] == "cleverreach_manage_members" and body["link"].startswith("../dags/cleverreach_manage_members/runs/")
    run = page.run(body["dag_id"], body["dag_run_id"])
    assert run["conf"] == {"tenant": "a", "list_id": 1, "action": "remove", "contact_ids": [2, 3]}
    assert run["triggering_user_name"] == "editor"
    assert page.rows("SELECT count(*) AS n FROM recipient_list_member WHERE list_id = 1") == [{"n": 60}]  # the run removes


@pytest.mark.parametrize("body", [{}, {"contact_ids": []}, {"contact_ids": [0]}, {"contact_ids": ["x"]},
                                  {"contact_ids": [1], "all": True}, {"contact_ids": list(range(1, 10_002))}])
def test_bad_removals_are_refused(page, body):
    assert page.post("/tenants/a/lists/1/members/remove", json=body).status_code == 422


def test_remove_all_rejected_names_exactly_the_rejected(page):
    body = page.post("/tenants/a/lists/1/members/remove-rejected", user="editor").json()
    assert body["contact_ids"] == 10
    conf = page.run(body["dag_id"], body["dag_run_id"])["conf"]
    assert conf["contact_ids"] == [51, 52, 53, 54, 55, 56, 57, 58, 59, 60]


def test_remove_all_rejected_on_a_list_without_rejected_is_a_conflict(page):
    resp = page.post("/tenants/b/lists/2/members/remove-rejected")
    assert resp.status_code == 409 and "no rejected members" in resp.json()["detail"]
