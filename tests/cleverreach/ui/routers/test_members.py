"""The members table: server-side paging, sorting and the state filter; removing through the DAG."""

from __future__ import annotations

import pytest
from sqlalchemy import text


SORT_COLUMNS = {"contact": (), "person": ("last_name", "first_name"), "function": ("function",),
                "email": ("email",), "state": ("sync_state",), "added": ("added_at",)}


def expected_order(rows: list[dict], sort: str, descending: bool) -> list[int]:
    """The page's order: NULL first ascending, descending the exact reverse; the contact id breaks ties."""
    def key(row: dict) -> tuple:
        return (*((row[c] is not None, row[c] or "") for c in SORT_COLUMNS[sort]), row["contact_person_id"])
    return [r["contact_person_id"] for r in sorted(rows, key=key, reverse=descending)]


def walk(page, query: str, size: int, backwards: bool = False) -> list[int]:
    """Every page from one end to the other, by the ids each page hands back."""
    path = f"/tenants/a/lists/1/members?page_size={size}&{query}"
    body = page.get(f"{path}&last=true" if backwards else path, user="viewer").json()
    seen, hops = [], 0
    while True:
        ids = [row["contact_person_id"] for row in body["rows"]]
        seen = ids + seen if backwards else seen + ids
        step = body["before"] if backwards else body["after"]
        if step is None:
            return seen
        hops += 1
        assert hops < 100, "paging does not end"
        body = page.get(f"{path}&{'before' if backwards else 'after'}={step}", user="viewer").json()


@pytest.fixture(params=["small", "large"])
def strategy(request, monkeypatch):
    """Both page queries: members sorted in memory (a small list) and the walk along an index."""
    from cleverreach.ui import read_store

    monkeypatch.setattr(read_store, "SMALL_SET", 5000 if request.param == "small" else 0)
    return request.param


@pytest.mark.parametrize("sort", list(SORT_COLUMNS))
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_cover_the_list_in_order_both_ways(page, strategy, sort, order):
    members = page.rows("SELECT m.contact_person_id, p.last_name, p.first_name, p.function, p.email, m.sync_state,"
                        " m.added_at FROM recipient_list_member m JOIN contact_person p ON p.id = m.contact_person_id"
                        " WHERE m.list_id = 1")
    expected = expected_order(members, sort, order == "desc")
    assert len(expected) == 60
    assert walk(page, f"sort={sort}&order={order}", 7) == expected
    assert walk(page, f"sort={sort}&order={order}", 7, backwards=True) == expected


@pytest.mark.parametrize("state", ["rejected", "pending"])
def test_the_state_filter_pages_in_order(page, strategy, state):
    ids = walk(page, f"state={state}&sort=email&order=desc", 3)
    in_state = page.rows("SELECT m.contact_person_id, p.email FROM recipient_list_member m JOIN contact_person p"
                         " ON p.id = m.contact_person_id WHERE m.list_id = 1 AND m.sync_state = :s", s=state)
    assert ids == expected_order(in_state, "email", True) and len(ids) == 10


def test_the_ends_and_the_ids_to_page_on(page):
    first = page.get("/tenants/a/lists/1/members?page_size=25").json()
    assert (first["before"], first["after"]) == (None, 25) and len(first["rows"]) == 25
    second = page.get("/tenants/a/lists/1/members?page_size=25&after=25").json()
    assert [r["contact_person_id"] for r in second["rows"]] == list(range(26, 51))
    assert (second["before"], second["after"]) == (26, 50)
    back = page.get("/tenants/a/lists/1/members?page_size=25&before=26").json()
    assert [r["contact_person_id"] for r in back["rows"]] == list(range(1, 26)) and back["before"] is None
    last = page.get("/tenants/a/lists/1/members?page_size=25&last=true").json()
    assert [r["contact_person_id"] for r in last["rows"]] == list(range(36, 61))
    assert (last["before"], last["after"]) == (36, None)


def test_the_state_filter_and_the_synchronised_tick(page):
    body = page.get("/tenants/a/lists/1/members?state=rejected&page_size=100").json()
    assert len(body["rows"]) == 10 and {row["sync_state"] for row in body["rows"]} == {"rejected"}
    assert not any(row["synchronised"] for row in body["rows"]) and body["after"] is None
    synced = page.get("/tenants/a/lists/1/members?state=synced&page_size=5").json()
    assert all(row["synchronised"] for row in synced["rows"]) and synced["after"] == 5


def test_missing_values_come_first_ascending_and_last_descending(page):
    asc = page.get("/tenants/a/lists/1/members?sort=email&page_size=60").json()["rows"]
    desc = page.get("/tenants/a/lists/1/members?sort=email&order=desc&page_size=60").json()["rows"]
    assert [r["email"] for r in asc[:6]] == [None] * 6 and [r["email"] for r in desc[-6:]] == [None] * 6
    assert [r["contact_person_id"] for r in asc] == [r["contact_person_id"] for r in reversed(desc)]


def test_a_boundary_that_left_the_list_says_start_again(page):
    with page.engine.begin() as conn:
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 1 AND contact_person_id = 25"))
    resp = page.get("/tenants/a/lists/1/members?after=25")
    assert resp.status_code == 409 and "first page" in resp.json()["detail"]


def test_a_boundary_is_a_key_of_the_crms_type_64_bit_included(page):
    """Contact keys may be 64-bit: a boundary above 2^31 is looked up (not a member here: start again), and one
    of another type than the CRM declares (a UUID for the demo's integers) is bad input."""
    resp = page.get("/tenants/a/lists/1/members?after=5000000001")
    assert resp.status_code == 409 and "first page" in resp.json()["detail"]
    resp = page.get("/tenants/a/lists/1/members?before=3f2b8c1e-9d4a-4e6b-8f00-1a2b3c4d5e6f")
    assert resp.status_code == 422 and "no contact key" in resp.json()["detail"]


def test_another_tenants_contact_is_no_boundary(page):
    assert page.get("/tenants/a/lists/1/members?after=100").status_code == 409


@pytest.mark.parametrize("query", ["state=gone", "sort=name", "order=up", "after=0", "after=x", "before=-1",
                                   "page_size=0", "page_size=501", "after=1&before=2", "after=1&last=true",
                                   "last=maybe"])
def test_bad_paging_and_sorting_input(page, query):
    resp = page.get(f"/tenants/a/lists/1/members?{query}")
    assert resp.status_code == 422, resp.text


def test_removing_picked_members_triggers_the_dag_as_the_user(page):
    resp = page.post("/tenants/a/lists/1/members/remove", user="editor", json={"contact_ids": [3, 2, 3]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["dag_id"] == "cleverreach_manage_members" and body["link"].startswith("../dags/cleverreach_manage_members/runs/")
    run = page.run(body["dag_id"], body["dag_run_id"])
    assert run["conf"] == {"tenant": "a", "list_id": "1", "action": "remove", "contact_ids": ["2", "3"]}  # keys: text
    assert run["triggering_user_name"] == "editor"
    assert page.rows("SELECT count(*) AS n FROM recipient_list_member WHERE list_id = 1") == [{"n": 60}]  # the run removes


@pytest.mark.parametrize("body", [{}, {"contact_ids": []}, {"contact_ids": [0]}, {"contact_ids": [""]}, {"contact_ids": [True]},
                                  {"contact_ids": [1], "all": True}, {"contact_ids": list(range(1, 10_002))}])
def test_bad_removals_are_refused(page, body):
    assert page.post("/tenants/a/lists/1/members/remove", json=body).status_code == 422


def test_remove_all_rejected_names_exactly_the_rejected(page):
    body = page.post("/tenants/a/lists/1/members/remove-rejected", user="editor").json()
    assert body["contact_ids"] == 10
    conf = page.run(body["dag_id"], body["dag_run_id"])["conf"]
    assert conf["contact_ids"] == [str(n) for n in range(51, 61)]


def test_remove_all_rejected_on_a_list_without_rejected_is_a_conflict(page):
    resp = page.post("/tenants/b/lists/2/members/remove-rejected")
    assert resp.status_code == 409 and "no rejected members" in resp.json()["detail"]
