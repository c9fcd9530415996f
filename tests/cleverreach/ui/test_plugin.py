"""The plugin: registered by the package's entry point, a navigation entry, a page that uses relative paths."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from cleverreach.ui.app import STATIC_DIR, URL_PREFIX


def test_the_package_registers_the_plugin_through_its_entry_point():
    (entry,) = [e for e in entry_points(group="airflow.plugins") if e.name == "cleverreach_ui"]
    plugin = entry.load()
    assert plugin.fastapi_apps[0]["url_prefix"] == URL_PREFIX == "/cleverreach"
    (view,) = plugin.external_views
    assert (view["name"], view["href"], view["destination"]) == ("CleverReach", "/cleverreach/", "nav")


def test_airflow_lists_the_plugin_with_its_navigation_entry(page):
    resp = page.client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {page.token('viewer')}"})
    plugins = {p["name"]: p for p in resp.json()["plugins"]}
    assert plugins["cleverreach_ui"]["external_views"][0]["url_route"] == "cleverreach"


def test_the_page_and_its_assets_are_served_and_use_relative_paths_only(page):
    html = page.client.get("/cleverreach/").text
    assert "<h1>CleverReach</h1>" in html
    script = page.client.get("/cleverreach/static/app.js").text
    assert 'fetch("api/" + path' in script
    for source in (html, script):
        assert not re.search(r'(src|href)="/', source)
        assert "innerHTML" not in source  # data is written as text only
    assert {p.name for p in STATIC_DIR.iterdir()} >= {"index.html", "app.js", "app.css"}
