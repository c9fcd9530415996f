"""The page's API hardened (issue 18): security headers, cross-site writes refused, the schema behind the login,
and the API server calling itself at a configured address, never at the request's Host header."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cleverreach.ui.app import STATIC_DIR

SYNC = "/cleverreach/api/tenants/a/lists/1/sync"


def _cookie_post(page, user: str, **kwargs):
    page.client.cookies.set("_token", page.token(user))
    try:
        return page.client.post(SYNC, **kwargs)
    finally:
        page.client.cookies.clear()


@pytest.mark.parametrize("path", ["/cleverreach/", "/cleverreach/static/app.js", "/cleverreach/api/me",
                                  "/cleverreach/api/tenants", "/cleverreach/api/no-such-route"])
@pytest.mark.parametrize("user", ["admin", None])
def test_security_headers_on_every_response(page, path, user):
    resp = page.client.get(path, headers={"Authorization": f"Bearer {page.token(user)}"} if user else {})
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'self'" in csp
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"  # Airflow frames the page on its own origin
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_security_headers_csp_fits_the_static_page(page):
    """No inline script, style or handler in the page: its script and styles are files the CSP allows."""
    html = (STATIC_DIR / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="static/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", html, re.I)
    for asset in re.findall(r'(?:src|href)="(static/[^"]+)"', html):
        assert page.client.get(f"/cleverreach/{asset}").status_code == 200, asset


@pytest.mark.parametrize(("headers", "code"), [
    ({"Content-Type": "text/plain"}, 415),
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
    ({"Content-Type": "application/json", "Origin": "null"}, 403),
    ({"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403),
    ({"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"}, 403),
])
def test_cross_site_writes_are_refused(page, headers, code):
    resp = _cookie_post(page, "editor", content='{"dry_run": true}', headers=headers)
    assert resp.status_code == code, resp.text


def test_cross_site_check_lets_the_page_itself_write(page):
    resp = _cookie_post(page, "editor", json={"dry_run": True},
                        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code not in (403, 415), resp.text


def test_openapi_schema_requires_the_login(page):
    assert page.client.get("/cleverreach/api/openapi.json").status_code == 401
    assert page.client.get("/cleverreach/api/openapi.json", headers={"Authorization": "Bearer forged"}).status_code == 403
    resp = page.get("/openapi.json", user="viewer")
    assert resp.status_code == 200 and "/api/me" in resp.json()["paths"]
    for docs in ("/cleverreach/docs", "/cleverreach/redoc", "/cleverreach/openapi.json", "/cleverreach/api/docs"):
        assert page.client.get(docs).status_code in (401, 404), docs


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Recorder.seen.append((self.path, self.headers.get("Authorization", "")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        body = b'{"dag_run_id": "manual__recorded", "state": "queued"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_airflow_api_base_url_is_configured_never_the_host_header(page, page_app, monkeypatch):
    from cleverreach.ui.airflow_api import airflow_api

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Recorder.seen.clear()
    try:
        monkeypatch.delenv("AIRFLOW__CLEVERREACH__AIRFLOW_API_URL", raising=False)
        monkeypatch.setenv("AIRFLOW__API__BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        page_app.dependency_overrides.pop(airflow_api)  # the real client, as in production
        resp = page.client.post(SYNC, json={"dry_run": True}, headers={
            "Authorization": f"Bearer {page.token('editor')}", "Host": "attacker.example"})
    finally:
        server.shutdown()
        server.server_close()
    assert resp.status_code in (200, 201, 202), resp.text
    assert [path for path, _ in _Recorder.seen] == ["/api/v2/dags/cleverreach_sync_recipients/dagRuns"]
    assert _Recorder.seen[0][1].startswith("Bearer ")


def test_airflow_api_base_url_without_configuration_is_loopback(monkeypatch):
    from cleverreach.ui.airflow_api import configured_base_url

    monkeypatch.delenv("AIRFLOW__CLEVERREACH__AIRFLOW_API_URL", raising=False)
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    monkeypatch.setenv("AIRFLOW__API__PORT", "8123")
    monkeypatch.setenv("AIRFLOW__API__HOST", "0.0.0.0")
    assert configured_base_url() == "http://127.0.0.1:8123"
    monkeypatch.setenv("AIRFLOW__API__HOST", "10.0.0.7")
    assert configured_base_url() == "http://10.0.0.7:8123"
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__AIRFLOW_API_URL", "http://airflow.internal:8080/")
    assert configured_base_url() == "http://airflow.internal:8080"


def test_request_models_bound_id_lists_and_strings(page):
    """The page's bodies bound what they pass on as a run's conf, as the DAG params do (issue 18)."""
    from cleverreach.dag_defaults import MAX_KEYS
    from cleverreach.ui.schemas import MAX_IDS

    assert MAX_IDS == MAX_KEYS
    remove = "/tenants/a/lists/1/members/remove"
    assert page.post(remove, user="editor", json={"contact_ids": list(range(1, MAX_IDS + 2))}).status_code == 422
    assert page.post(remove, user="editor", json={"contact_ids": ["x" * 201]}).status_code == 422
    preview = "/tenants/a/lists/1/recipients/preview"
    assert page.post(preview, user="editor", json={"search": "x" * 201}).status_code == 422
    assert page.post(preview, user="editor", json={"contact_ids": list(range(1, MAX_IDS + 2))}).status_code == 422
