"""Registers the CleverReach page with Airflow (entry point ``airflow.plugins``: installing the package is enough).

``fastapi_apps`` mounts the app in the API server; ``external_views`` puts a "CleverReach" entry in the
UI's navigation that shows the page inside Airflow (an iframe on the same origin, so the UI's session
cookie authenticates the page's requests).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from cleverreach.ui.app import URL_PREFIX, create_app


class CleverReachUiPlugin(AirflowPlugin):
    name = "cleverreach_ui"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "CleverReach"}]
    external_views = [{
        "name": "CleverReach",
        "href": f"{URL_PREFIX}/",
        "url_route": "cleverreach",
        "destination": "nav",
        "category": "browse",
    }]
