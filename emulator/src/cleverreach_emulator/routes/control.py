"""The control API under ``/_emulator`` (no auth, never faulted, not logged)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..faults import Faults
from ..middleware import Traffic
from ..model import ApiError
from ..seed import SeedError
from ..state import State
from ..web import error_response, json_response, qint, qstr


def build_router(state: State, traffic: Traffic) -> APIRouter:
    """The control routes, bound to ``state`` and its ``traffic`` (log, counters, faults)."""
    router = APIRouter()

    # ------------------------------------------------------------ control API

    def ctl_error(exc: Exception) -> Response:
        if isinstance(exc, ApiError):
            return error_response(exc.status, exc.message)
        return error_response(400, f"Bad Request: {exc}")

    async def ctl_body(request: Request) -> Any:
        raw = await request.body()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Bad Request: invalid JSON") from None

    def obj(body: Any) -> dict:
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: body must be an object")
        return body

    @router.get("/_emulator/health")
    async def ctl_health(request: Request):
        return json_response({"ok": True, "accounts": len(state.accounts), "now": state.now()})

    @router.post("/_emulator/reset")
    async def ctl_reset(request: Request):
        try:
            state.reset(await ctl_body(request))
        except (SeedError, ApiError) as exc:
            return ctl_error(exc)
        traffic.clear()
        with traffic.lock:
            traffic.faults = Faults()
        return json_response({"ok": True, "accounts": list(state.accounts)})

    @router.get("/_emulator/state")
    async def ctl_state(request: Request):
        with_receivers = request.query_params.get("receivers", "true").lower() not in ("0", "false", "no")
        return json_response(state.dump(receivers=with_receivers))

    @router.get("/_emulator/state/groups/{gid}/receivers")
    async def ctl_group_receivers(request: Request, gid: str):
        try:
            return json_response(state.group_receivers_dump(gid))
        except ApiError as exc:
            return ctl_error(exc)

    @router.get("/_emulator/requests")
    async def ctl_requests(request: Request):
        try:
            since = qint(request, "since_seq")
            limit = qint(request, "limit")
        except ApiError as exc:
            return ctl_error(exc)
        return json_response(traffic.entries(qstr(request, "client_id"), since, limit))

    @router.delete("/_emulator/requests")
    async def ctl_requests_clear(request: Request):
        traffic.clear()
        return json_response(True)

    @router.get("/_emulator/counters")
    async def ctl_counters(request: Request):
        return json_response(traffic.counter_view(qstr(request, "client_id")))

    @router.delete("/_emulator/counters")
    async def ctl_counters_clear(request: Request):
        traffic.clear()
        return json_response(True)

    @router.get("/_emulator/faults")
    async def ctl_faults(request: Request):
        with traffic.lock:
            return json_response(traffic.faults.to_dict())

    @router.post("/_emulator/faults")
    async def ctl_faults_set(request: Request):
        try:
            faults = Faults(obj(await ctl_body(request)))
        except (ValueError, TypeError, re.error, ApiError) as exc:
            return ctl_error(exc)
        with traffic.lock:
            traffic.faults = faults
        return json_response(faults.to_dict())

    @router.delete("/_emulator/faults")
    async def ctl_faults_clear(request: Request):
        with traffic.lock:
            traffic.faults = Faults()
        return json_response(True)

    @router.get("/_emulator/settings")
    async def ctl_settings(request: Request):
        return json_response(state.settings.to_dict())

    @router.patch("/_emulator/settings")
    async def ctl_settings_update(request: Request):
        try:
            return json_response(state.update_settings(obj(await ctl_body(request))).to_dict())
        except (ValueError, ApiError) as exc:
            return ctl_error(exc)

    @router.get("/_emulator/clock")
    async def ctl_clock(request: Request):
        return json_response({"now": state.now(), "offset": state.clock_offset})

    @router.post("/_emulator/clock")
    async def ctl_clock_set(request: Request):
        """``{"advance": seconds}`` or ``{"now": unix_ts}`` or ``{"reset": true}``."""
        try:
            body = obj(await ctl_body(request))
            if "advance" in body:
                now = state.advance_clock(float(body["advance"]))
            elif "now" in body:
                now = state.set_clock(float(body["now"]))
            elif body.get("reset"):
                now = state.set_clock(None)
            else:
                raise ValueError("expected advance, now or reset")
        except (ValueError, TypeError, ApiError) as exc:
            return ctl_error(exc)
        return json_response({"now": now, "offset": state.clock_offset})

    @router.post("/_emulator/accounts")
    async def ctl_add_account(request: Request):
        try:
            return json_response(state.add_account(obj(await ctl_body(request))))
        except (SeedError, ApiError) as exc:
            return ctl_error(exc)

    async def ctl_call(request: Request, fn):
        try:
            body = obj(await ctl_body(request))
            return json_response(fn(body))
        except (ApiError, ValueError, TypeError, KeyError) as exc:
            if isinstance(exc, KeyError):
                return error_response(400, f"Bad Request: missing {exc.args[0]}")
            return ctl_error(exc)

    @router.post("/_emulator/accounts/{client_id}/revoke-tokens")
    async def ctl_revoke(request: Request, client_id: str):
        return await ctl_call(request, lambda b: {"revoked": state.revoke_tokens(
            client_id, bool(b.get("include_refresh", False)))})

    @router.post("/_emulator/accounts/{client_id}/unsubscribe")
    async def ctl_unsubscribe(request: Request, client_id: str):
        return await ctl_call(request, lambda b: {"receiver_ids": state.user_unsubscribe(
            client_id, b["email"], b.get("group_id"), b.get("blacklist"), b.get("mailing_id"),
            b.get("stamp"))})

    @router.post("/_emulator/accounts/{client_id}/bounce")
    async def ctl_bounce(request: Request, client_id: str):
        return await ctl_call(request, lambda b: {"receiver_ids": state.bounce(
            client_id, b["email"], b.get("group_id"), b.get("category", "hardbounce"), b.get("message"),
            b.get("mailing_id"), b.get("stamp"))})

    @router.post("/_emulator/accounts/{client_id}/signup")
    async def ctl_signup(request: Request, client_id: str):
        return await ctl_call(request, lambda b: state.signup(
            client_id, b["group_id"], b["email"], b.get("global_attributes"), b.get("attributes"),
            bool(b.get("doi", False)), b.get("source", "Formular")))

    @router.post("/_emulator/accounts/{client_id}/groups")
    async def ctl_group_create(request: Request, client_id: str):
        return await ctl_call(request, lambda b: state.ui_create_group(client_id, b))

    @router.delete("/_emulator/accounts/{client_id}/groups/{gid}")
    async def ctl_group_delete(request: Request, client_id: str, gid: str):
        return await ctl_call(request, lambda b: state.ui_delete_group(client_id, gid))

    @router.post("/_emulator/accounts/{client_id}/groups/{gid}/generate")
    async def ctl_generate(request: Request, client_id: str, gid: str):
        return await ctl_call(request, lambda b: state.generate_receivers(
            client_id, gid, int(b["count"]), b.get("email_pattern", "user{n}@example.com"),
            int(b.get("start", 0)), b.get("global_attributes"), bool(b.get("active", True))))

    @router.post("/_emulator/accounts/{client_id}/mailings/send")
    async def ctl_send_mailing(request: Request, client_id: str):
        return await ctl_call(request, lambda b: state.send_mailing(client_id, b))

    return router
