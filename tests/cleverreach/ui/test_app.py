"""The page's app (ui/app.py): its OpenAPI schema only behind Airflow's login, no public docs pages."""

from __future__ import annotations


def test_openapi_schema_requires_the_login(page):
    assert page.client.get("/cleverreach/api/openapi.json").status_code == 401
    assert page.client.get("/cleverreach/api/openapi.json", headers={"Authorization": "Bearer forged"}).status_code == 403
    resp = page.get("/openapi.json", user="viewer")
    assert resp.status_code == 200 and "/api/me" in resp.json()["paths"]
    for docs in ("/cleverreach/docs", "/cleverreach/redoc", "/cleverreach/openapi.json", "/cleverreach/api/docs"):
        assert page.client.get(docs).status_code in (401, 404), docs
