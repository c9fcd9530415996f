"""Erasure requests on the page's API (issue 18): admins only, within their tenant scope; the run Airflow starts
knows the request's reference and the tenant, never a contact id or an address."""

from __future__ import annotations

import json

import pytest

ERASE = "cleverreach_erase_contact"


@pytest.mark.parametrize("user", ["viewer", "editor", "op"])
def test_only_admins_may_request_or_read_an_erasure(page, user):
    reference = page.post("/tenants/a/erasures", json={"emails": ["p1@example.org"]}).json()["reference"]
    resp = page.post("/tenants/a/erasures", user=user, json={"emails": ["p1@example.org"]})
    assert resp.status_code == 403 and "administer" in resp.json()["detail"]
    assert page.get(f"/tenants/a/erasures/{reference}", user=user).status_code == 403
    assert len(page.rows("SELECT * FROM erasure_request")) == 1  # the refused one stored nothing


def test_an_admin_requests_an_erasure_and_the_run_holds_only_the_reference(page):
    resp = page.post("/tenants/a/erasures", json={"contact_ids": [3, "3"], "emails": ["P1@example.org", "x@example.org"]})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    reference = body["reference"]
    assert (body["contacts"], body["emails"], body["dag_id"]) == (1, 2, ERASE)
    run = page.run(ERASE, body["dag_run_id"])
    assert run["conf"] == {"tenant": "a", "request": reference}
    assert run["note"] == "CleverReach page: erasure request"
    (row,) = page.rows("SELECT * FROM erasure_request")
    assert (row["id"], row["tenant_id"], row["status"], row["requested_by"]) == (reference, "a", "pending", "user:admin")
    assert json.loads(row["contact_ids"]) == ["3"] and json.loads(row["emails"]) == ["P1@example.org", "x@example.org"]
    shown = page.get(f"/tenants/a/erasures/{reference}").json()
    assert (shown["reference"], shown["status"], shown["purged"], shown["counts"]) == (reference, "pending", False, None)
    assert "example.org" not in json.dumps(shown) and "contact_ids" not in shown


def test_a_limited_admin_cannot_request_or_read_another_tenants_erasure(page):
    reference = page.post("/tenants/b/erasures", json={"contact_ids": [100]}).json()["reference"]
    assert page.post("/access/grants", json={"username": "admin", "tenant_id": "a"}).status_code == 201
    before = page.rows("SELECT id FROM erasure_request")
    resp = page.post("/tenants/b/erasures", json={"contact_ids": [100]})
    assert resp.status_code == 403 and "may not act on tenant 'b'" in resp.json()["detail"]
    assert page.get(f"/tenants/b/erasures/{reference}").status_code == 403
    assert page.get(f"/tenants/a/erasures/{reference}").status_code == 404  # b's request is no request of a
    assert page.rows("SELECT id FROM erasure_request") == before
    assert page.post("/tenants/a/erasures", json={"contact_ids": [1]}).status_code == 201


@pytest.mark.parametrize(("body", "why"), [
    ({}, "at least one"),
    ({"contact_ids": [], "emails": []}, "at least one"),
    ({"emails": ["not-an-address"]}, "not valid e-mail"),
    ({"emails": ["p1@example.org"] * 1001}, "at most 1000"),
    ({"contact_ids": [100]}, "do not exist for tenant 'a'"),  # tenant b's contact
    ({"contact_ids": [1], "reason": "x"}, "Extra inputs"),
])
def test_bad_erasure_requests_store_nothing(page, body, why):
    resp = page.post("/tenants/a/erasures", json=body)
    assert resp.status_code == 422 and why in resp.text, resp.text
    assert page.rows("SELECT * FROM erasure_request") == []


def test_an_unknown_or_malformed_reference(page):
    assert page.get(f"/tenants/a/erasures/{'0' * 32}").status_code == 404
    assert page.get("/tenants/a/erasures/not-a-reference").status_code == 422
