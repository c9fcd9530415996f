"""The FastAPI application of the CleverReach emulator.

Three surfaces:

* ``/oauth/...``  - the OAuth2 endpoints (``POST /oauth/token.php``, ``GET /oauth/authorize.php``,
  ``DELETE /oauth/token``).
* ``/v3/...``     - the REST API v3 (every path segment may carry ``.json``).
  ``/v1`` and ``/v2`` answer 404 for ``login`` and ``403 Forbidden: v3 token on lower version``
  for anything else called with a v3 token (the documented URL-joining quirk).
* ``/hooks/eventhook`` - event hooks (webhooks), without a version like CleverReach's integration core
  calls it; ``/v3/hooks/eventhook`` instead or as well under the setting ``eventhook_path``.
* ``/_emulator/...`` - the control API for tests and demos (no auth, never faulted, not logged).

The routes live in one router per API area (:mod:`.routes`); the pure ASGI middleware
(:mod:`.middleware`) normalises paths (strips ``.json`` before ``/`` or the end), injects faults and
writes the request log and counters.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .faults import Faults
from .middleware import EmulatorMiddleware, Traffic
from .model import ApiError
from .routes import attributes, auth, control, eventhooks, groups, receivers, reports
from .settings import EmulatorSettings
from .state import State
from .web import error_response

__all__ = ["create_app", "Traffic", "Faults"]


def create_app(state: State | None = None, settings: EmulatorSettings | dict | None = None,
               seed: Any = None) -> FastAPI:
    """Build the FastAPI app. Pass an existing :class:`State` or settings + seed."""
    if state is None:
        state = State(settings, seed)
    traffic = Traffic(state)
    app = FastAPI(title="CleverReach REST API v3 emulator", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.emulator = state
    app.state.traffic = traffic
    app.add_middleware(EmulatorMiddleware, fastapi_app=app, state=state, traffic=traffic)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.headers or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        return error_response(exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return error_response(400, "Bad Request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return error_response(500, "Internal Server Error")

    # the order matters where paths overlap (``/v3/attributes/limits`` before ``/v3/attributes/{id}``)
    for area in (auth, groups, attributes, receivers, reports, eventhooks):
        app.include_router(area.build_router(state))
    app.include_router(control.build_router(state, traffic))
    app.include_router(eventhooks.build_control_router(state))
    return app
