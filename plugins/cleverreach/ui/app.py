"""The page's FastAPI app: the JSON API under ``api/`` and the static page at the root.

Mounted by Airflow's API server under ``URL_PREFIX`` (see ``plugin.py``). The page itself is a react_apps bundle
(``static/cleverreach-page.js``, built from ``frontend/``) that Airflow's UI renders at ``/plugin/cleverreach``; the
old address ``/cleverreach/`` leads there.
"""

from __future__ import annotations

from pathlib import Path

from typing import Any

from fastapi import FastAPI, status
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from cleverreach.ui.guards import guard
from cleverreach.ui.routers import access, audit, erasures, history, lists, members, recipients, sync, tenants
from cleverreach.ui.security import CallerDep

URL_PREFIX = "/cleverreach"
STATIC_DIR = Path(__file__).resolve().parent / "static"
BUNDLE_NAME = "cleverreach-page.js"


def create_app() -> FastAPI:
    app = FastAPI(title="CleverReach", description="The CleverReach page of the Airflow UI", docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.state.url_prefix = URL_PREFIX
    app.middleware("http")(guard)
    for router in (tenants.router, lists.router, members.router, recipients.router, sync.router, history.router,
                   audit.router, access.router, erasures.router):
        app.include_router(router, prefix="/api")

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(_: CallerDep) -> dict[str, Any]:
        """The API's schema, for logged-in users with the right to view only (like every other route)."""
        return app.openapi()

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        """The page's old address: the page is in Airflow's UI now (relative, so a path prefix is kept)."""
        return RedirectResponse("../plugin/cleverreach", status_code=status.HTTP_308_PERMANENT_REDIRECT)

    return app
