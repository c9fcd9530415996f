"""Event hooks: ``/hooks/eventhook`` (and/or ``/v3/hooks/eventhook``, setting ``eventhook_path``), and
their control routes under ``/_emulator/webhooks`` and ``/_emulator/accounts/{client_id}/...``."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ..model import ApiError
from ..state import State
from ..web import body_json, error_response, get_token, json_response, qint, qstr
from ..webhook_delivery import new_call_token, new_secret, verify_url

#: where each value of ``eventhook_path`` answers
_PATHS = {"unversioned": (False,), "v3": (True,), "both": (False, True)}


def build_router(state: State) -> APIRouter:
    """The registration API, bound to ``state``."""
    router = APIRouter()

    def auth(request: Request, versioned: bool):
        if versioned not in _PATHS[state.settings.eventhook_path]:
            raise ApiError(404, "Not Found")
        return state.authenticate(get_token(request))

    async def register(request: Request, versioned: bool):
        account = auth(request, versioned)
        url, event, condition, verify = state.check_eventhook(account, await body_json(request))
        secret, call_token = new_secret(), new_call_token()
        problem = await run_in_threadpool(verify_url, url, verify, secret, state.settings.webhook_timeout)
        if problem is not None:
            raise ApiError(400, f"Bad Request: {problem}")
        state.add_eventhook(account, url, event, condition, verify, call_token, secret)
        return json_response({"success": True, "call_token": call_token, "secret": secret})

    async def listing(request: Request, versioned: bool):
        return json_response(state.list_eventhooks(auth(request, versioned)))

    async def remove(request: Request, event: str, versioned: bool):
        account = auth(request, versioned)
        removed = state.delete_eventhooks(account, event, qstr(request, "condition"))
        mode = state.settings.eventhook_delete_response
        if mode == "count":
            return json_response({"success": True, "deleted": removed})
        if mode == "404_if_none" and not removed:
            raise ApiError(404, "Not Found: invalid eventhook")
        return json_response(True)

    @router.post("/hooks/eventhook")
    async def hooks_register(request: Request):
        return await register(request, False)

    @router.post("/v3/hooks/eventhook")
    async def hooks_register_v3(request: Request):
        return await register(request, True)

    @router.get("/hooks/eventhook")
    async def hooks_list(request: Request):
        return await listing(request, False)

    @router.get("/v3/hooks/eventhook")
    async def hooks_list_v3(request: Request):
        return await listing(request, True)

    @router.delete("/hooks/eventhook/{event}")
    async def hooks_delete(request: Request, event: str):
        return await remove(request, event, False)

    @router.delete("/v3/hooks/eventhook/{event}")
    async def hooks_delete_v3(request: Request, event: str):
        return await remove(request, event, True)

    return router


def build_control_router(state: State) -> APIRouter:
    """The control routes of event hooks (no auth, never faulted, not logged)."""
    router = APIRouter()

    async def body(request: Request) -> dict:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(400, "Bad Request: invalid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: body must be an object")
        return data

    def failed(exc: Exception):
        if isinstance(exc, ApiError):
            return error_response(exc.status, exc.message)
        if isinstance(exc, KeyError):
            return error_response(400, f"Bad Request: missing {exc.args[0]}")
        return error_response(400, f"Bad Request: {exc}")

    @router.get("/_emulator/webhooks")
    async def ctl_webhooks(request: Request):
        return json_response({**state.webhooks.status(),
                              "registrations": state.eventhook_registrations(qstr(request, "client_id"))})

    @router.delete("/_emulator/webhooks")
    async def ctl_webhooks_clear(request: Request):
        return json_response({"removed": state.clear_eventhooks()})

    @router.get("/_emulator/webhooks/registrations")
    async def ctl_registrations(request: Request):
        return json_response(state.eventhook_registrations(qstr(request, "client_id")))

    @router.get("/_emulator/webhooks/deliveries")
    async def ctl_deliveries(request: Request):
        try:
            since = qint(request, "since_seq")
        except ApiError as exc:
            return failed(exc)
        return json_response(state.webhooks.log(qstr(request, "client_id"), since, qstr(request, "event")))

    @router.delete("/_emulator/webhooks/deliveries")
    async def ctl_deliveries_clear(request: Request):
        state.webhooks.clear_log()
        return json_response(True)

    @router.post("/_emulator/webhooks/wait")
    async def ctl_wait(request: Request):
        """``{"timeout": seconds}`` (default 30): answers once the queue is empty and nothing is in
        flight (``idle`` true), or when the time is up (``idle`` false)."""
        try:
            timeout = float((await body(request)).get("timeout", 30))
        except (ApiError, ValueError, TypeError) as exc:
            return failed(exc)
        deadline = time.monotonic() + timeout
        while not state.webhooks.idle() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return json_response(state.webhooks.status())

    async def call(request: Request, fn) -> Any:
        try:
            return json_response(fn(await body(request)))
        except (ApiError, ValueError, TypeError, KeyError) as exc:
            return failed(exc)

    @router.post("/_emulator/accounts/{client_id}/groups/{gid}/unsubscribe-many")
    async def ctl_unsubscribe_many(request: Request, client_id: str, gid: str):
        return await call(request, lambda b: {"receiver_ids": state.unsubscribe_many(
            client_id, gid, b.get("count"), b.get("receiver_ids"))})

    @router.post("/_emulator/accounts/{client_id}/confirm")
    async def ctl_confirm(request: Request, client_id: str):
        return await call(request, lambda b: state.confirm_doi(client_id, b["group_id"], b["email"]))

    return router
