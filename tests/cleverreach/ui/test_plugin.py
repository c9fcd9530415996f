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
