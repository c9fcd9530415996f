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
    scripts = {p.name for p in STATIC_DIR.glob("*.js")}
    assert scripts >= {"app.js", "tenant_admin.js", "erasure.js"}
    assert re.findall(r'<script src="static/([\w.]+)"', html) == ["app.js", "tenant_admin.js", "erasure.js"]  # app.js first: the others use it
    code = {name: page.client.get(f"/cleverreach/static/{name}").text for name in scripts}
    assert 'fetch("api/" + path' in code["app.js"]
    assert all("fetch(" not in code[name] for name in scripts - {"app.js"})  # one way to call the API: api()
    for source in (html, *code.values()):
        assert not re.search(r'(src|href)="/', source)
        assert "innerHTML" not in source  # data is written as text only
    assert {p.name for p in STATIC_DIR.iterdir()} >= {"index.html", "app.js", "app.css"}


def test_the_tenant_lifecycle_controls_are_for_admins_and_ask_for_the_tenant_id(page):
    """The rename and move buttons and the form for a former tenant id are in sections that applyRights hides
    from everyone without the right to administer; each dialog has the field where the tenant id is typed."""
    html = page.client.get("/cleverreach/").text
    for section, controls in (("tenant-admin", ("tenant-rename", "tenant-move", "tenant-erase")), ("former-tenant", ("former-id",))):
        opening = re.search(rf'<section id="{section}" class="needs-administer" hidden>(.*?)</section>', html, re.S)
        assert opening, section
        for control in controls:
            assert f'id="{control}"' in opening.group(1)
    for action in ("rename", "move"):
        dialog = re.search(rf'<dialog id="{action}-dialog".*?</dialog>', html, re.S).group(0)
        assert f'id="{action}-confirm"' in dialog and f'id="{action}-submit" disabled' in dialog
