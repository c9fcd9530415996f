"""The public FastAPI app CleverReach calls: one route per registration, ``<prefix>/{tenant}/{event}/{list}``.

Mounted by Airflow's API server under ``URL_PREFIX`` (``cleverreach.ui.plugin``) beside the page's app, but without
its login and CSRF guard: CleverReach has no Airflow login. What protects it is the call token of each registration
(only its SHA-256 is stored), compared in constant time before anything is read into the database.

- ``GET ?secret=S``: the verification CleverReach makes while the registration call runs: ``text/plain``
  ``"<verify> S"`` for a pending or active registration, 404 otherwise.
- ``POST``: one event (at most ``MAX_BODY_BYTES``: 413 above; 400 for a body that is not a JSON object).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import Engine

from cleverreach.webhooks.events import EVENT_PATTERN, MAX_BODY_BYTES, URL_PREFIX
from cleverreach.webhooks.service import WebhookReceiver

__all__ = ["URL_PREFIX", "create_app", "webhook_engine"]

TenantId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]
EventName = Annotated[str, Path(min_length=3, max_length=64, pattern=EVENT_PATTERN)]
ListId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:@+/-]+$")]


def webhook_engine() -> Engine:
    """The CRM database (connection ``hyperspace_crm``), the page's engine; tests override this dependency."""
    from cleverreach.hooks.crm import api_server_engine

    return api_server_engine()


EngineDep = Annotated[Engine, Depends(webhook_engine)]


class BodyTooLarge(Exception):
    """The body passed ``MAX_BODY_BYTES`` while it was read."""


async def read_capped(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused above ``limit`` bytes: by its declared length before reading, else while streaming."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app() -> FastAPI:
    app = FastAPI(title="CleverReach webhooks", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/{tenant_id}/{event}/{list_id:path}", response_class=PlainTextResponse)
    def verify(tenant_id: TenantId, event: EventName, list_id: ListId, engine: EngineDep,
               secret: Annotated[str, Query(min_length=1, max_length=200)]) -> PlainTextResponse:
        answer = WebhookReceiver(engine).verification(tenant_id, list_id, event, secret)
        if answer is None:
            return PlainTextResponse("not found", status_code=404)
        return PlainTextResponse(answer)

    @app.post("/{tenant_id}/{event}/{list_id:path}")
    async def receive(tenant_id: TenantId, event: EventName, list_id: ListId, request: Request,
                      engine: EngineDep) -> JSONResponse:
        try:
            raw = await read_capped(request)
        except BodyTooLarge:
            return JSONResponse({"error": f"body larger than {MAX_BODY_BYTES} bytes"}, status_code=413)
        receiver = WebhookReceiver(engine)
        answer = await run_in_threadpool(receiver.receive, tenant_id, list_id, event, dict(request.headers),
                                         dict(request.query_params), raw)
        return JSONResponse(answer.body, status_code=answer.status)

    return app
