"""Registers the CleverReach page with Airflow (entry point ``airflow.plugins``: installing the package is enough).

``fastapi_apps`` mounts the page's JSON API and its bundle in the API server, and the public endpoint of
CleverReach's receiver webhooks (``cleverreach.webhooks.app``); ``react_apps`` puts a "CleverReach"
entry in the UI's navigation and renders the page (``frontend/``, built into ``static/cleverreach-page.js``) inside
Airflow's own layout, with Airflow's React, router, theme (light and dark) and the user's language.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from cleverreach.ui.app import BUNDLE_NAME, URL_PREFIX, create_app
from cleverreach.webhooks import app as webhooks

PAGE_ROUTE = "cleverreach"  # the page lives at <Airflow base URL>/plugin/cleverreach/…


class CleverReachUiPlugin(AirflowPlugin):
    name = "cleverreach_ui"
    fastapi_apps = [
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "CleverReach"},
        # public: CleverReach calls it, no Airflow login; each registration's call token guards it
        {"app": webhooks.create_app(), "url_prefix": webhooks.URL_PREFIX, "name": "CleverReach webhooks"},
    ]
    react_apps = [{
        "name": "CleverReach",
        # relative: Airflow resolves it against its base URL, so the page works under a path prefix too
        "bundle_url": f"{URL_PREFIX.lstrip('/')}/static/{BUNDLE_NAME}",
        "url_route": PAGE_ROUTE,
        "destination": "nav",
        "category": "browse",
    }]
