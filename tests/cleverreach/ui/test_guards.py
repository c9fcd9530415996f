"""The page's API hardened (issue 18), as ui/guards.py enforces it: security headers on every response, the CSP
fitting the static page, cross-site and non-JSON writes refused, the page's own writes let through."""

from __future__ import annotations

import pytest

from cleverreach.ui.app import STATIC_DIR

SYNC = "/cleverreach/api/tenants/a/lists/1/sync"


def _cookie_post(page, user: str, **kwargs):
    page.client.cookies.set("_token", page.token(user))
    try:
        return page.client.post(SYNC, **kwargs)
    finally:
        page.client.cookies.clear()


@pytest.mark.parametrize("path", ["/cleverreach/", "/cleverreach/static/cleverreach-page.js", "/cleverreach/api/me",
                                  "/cleverreach/api/tenants", "/cleverreach/api/no-such-route"])
@pytest.mark.parametrize("user", ["admin", None])
def test_security_headers_on_every_response(page, path, user):
    resp = page.client.get(path, headers={"Authorization": f"Bearer {page.token(user)}"} if user else {},
                           follow_redirects=False)
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'self'" in csp
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"  # Airflow frames the page on its own origin
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_the_bundle_writes_no_markup_and_calls_only_relative_paths(page):
    """The page's bundle runs inside Airflow's UI: it writes data as text (React), never as HTML, and calls its API
    relative to Airflow's base URL, so it works under a path prefix."""
    resp = page.client.get("/cleverreach/static/cleverreach-page.js")
    assert resp.status_code == 200 and "javascript" in resp.headers["Content-Type"]
    assert "dangerouslySetInnerHTML" not in resp.text and "innerHTML" not in resp.text
    assert "cleverreach/api/" in resp.text and '"/cleverreach/api' not in resp.text and "`/cleverreach/api" not in resp.text
    assert (STATIC_DIR / "cleverreach-page.js").read_text() == resp.text


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
