"""The plugin: registered by the package's entry point, the page as a react_apps entry of Airflow's navigation, its
bundle served by the page's app, the old address leading to the page."""

from __future__ import annotations

from importlib.metadata import entry_points

from cleverreach.ui.app import BUNDLE_NAME, STATIC_DIR, URL_PREFIX


def test_the_package_registers_the_plugin_through_its_entry_point():
    (entry,) = [e for e in entry_points(group="airflow.plugins") if e.name == "cleverreach_ui"]
    plugin = entry.load()
    assert plugin.fastapi_apps[0]["url_prefix"] == URL_PREFIX == "/cleverreach"
    assert not getattr(plugin, "external_views", None)  # no iframe any more: the page is part of Airflow's UI
    (app,) = plugin.react_apps
    assert (app["name"], app["url_route"], app["destination"]) == ("CleverReach", "cleverreach", "nav")
    assert app["bundle_url"] == f"cleverreach/static/{BUNDLE_NAME}"  # relative: resolved against Airflow's base URL


def test_airflow_lists_the_page_with_its_navigation_entry(page):
    resp = page.client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {page.token('viewer')}"})
    plugins = {p["name"]: p for p in resp.json()["plugins"]}
    (app,) = plugins["cleverreach_ui"]["react_apps"]
    assert app["url_route"] == "cleverreach" and app["bundle_url"].endswith(BUNDLE_NAME)
    assert plugins["cleverreach_ui"]["external_views"] == []


def test_the_bundle_is_served_and_uses_airflows_react_and_theme(page):
    resp = page.client.get(f"/cleverreach/static/{BUNDLE_NAME}")
    assert resp.status_code == 200 and resp.text == (STATIC_DIR / BUNDLE_NAME).read_text()
    # one copy of React, the router and Chakra UI: Airflow's (a second copy breaks hooks and the theme)
    for host_global in ("e.React", "e.ReactRouterDOM", "e.ReactJSXRuntime", "e.ChakraUI"):
        assert host_global in resp.text[:1000], host_global
    assert "ChakraUISystem" in resp.text


def test_the_old_address_leads_to_the_page_in_airflows_ui(page):
    resp = page.client.get("/cleverreach/", follow_redirects=False)
    assert resp.status_code == 308 and resp.headers["location"] == "../plugin/cleverreach"


def test_airflow_mounts_the_public_webhooks_app_without_login(page, airflow_app):
    """CleverReach has no Airflow login: its verification GET and its events reach the webhooks app as they are
    (no token: our 401; Airflow's auth and the page's CSRF guard stay out of it)."""
    from starlette.routing import Mount

    from cleverreach.webhooks.app import URL_PREFIX as WEBHOOKS, webhook_engine
    from cleverreach.webhooks.store import WebhookStore

    (mount,) = [r for r in airflow_app.routes if isinstance(r, Mount) and r.path == WEBHOOKS]
    mount.app.dependency_overrides[webhook_engine] = lambda: page.engine
    try:
        WebhookStore(page.engine).save_pending("a", "1", "501", "receiver.unsubscribed",
                                               "https://x.example/hook", "verify-value-0123456789")
        route = f"{WEBHOOKS}/a/receiver.unsubscribed/1"
        resp = page.client.get(route, params={"secret": "S"})
        assert (resp.status_code, resp.text) == (200, "verify-value-0123456789 S")
        resp = page.client.post(route, json={"event": "receiver.unsubscribed"}, headers={"Origin": "https://evil.example"})
        assert resp.status_code == 401 and resp.json() == {"error": "call token missing"}
        assert page.client.get(f"{WEBHOOKS}/a/receiver.unsubscribed/2", params={"secret": "S"}).status_code == 404
    finally:
        mount.app.dependency_overrides.clear()
