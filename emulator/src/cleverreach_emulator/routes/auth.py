"""OAuth (``/oauth/...``), ``/v3/debug/...`` and the refused legacy versions ``/v1``, ``/v2``."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from ..model import OAuthError
from ..state import State
from ..web import error_response, get_token, json_response, parse_basic


def build_router(state: State) -> APIRouter:
    """The routes of this area, bound to ``state``."""
    router = APIRouter()

    def auth(request: Request):
        return state.authenticate(get_token(request))

    # ------------------------------------------------------------ oauth

    @router.post("/oauth/token.php")
    async def oauth_token(request: Request):
        params: dict[str, Any] = dict(request.query_params)
        raw = await request.body()
        ctype = request.headers.get("content-type", "")
        if raw.strip():
            if "json" in ctype or raw.lstrip()[:1] == b"{":
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = None
                if not isinstance(data, dict):
                    return json_response({"error": "invalid_request", "error_description": "Malformed JSON body"}, 400)
                params.update(data)
            elif "multipart/form-data" in ctype:
                form = await request.form()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                params.update(dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
        basic = parse_basic(request.headers.get("authorization"))
        try:
            return json_response(state.oauth_token(params, basic), headers={"Cache-Control": "no-store"})
        except OAuthError as exc:
            return json_response(exc.body(), exc.status)

    @router.get("/oauth/authorize.php")
    async def oauth_authorize(request: Request):
        cid = request.query_params.get("client_id", "")
        if cid not in state.accounts:
            return json_response({"error": "invalid_client", "error_description": "Unknown client"}, 400)
        code = secrets.token_urlsafe(24)
        redirect = request.query_params.get("redirect_uri")
        if not redirect:
            return json_response({"code": code})
        extra = {"code": code}
        if request.query_params.get("state") is not None:
            extra["state"] = request.query_params["state"]
        sep = "&" if "?" in redirect else "?"
        return RedirectResponse(redirect + sep + urlencode(extra), status_code=302)

    @router.delete("/oauth/token")
    @router.delete("/v3/oauth/token")
    async def oauth_revoke(request: Request):
        auth(request)
        state.revoke_token(get_token(request))
        return json_response(True)

    # ------------------------------------------------------------ debug

    @router.get("/v3/debug/ping")
    async def debug_ping(request: Request):
        return json_response(True)

    @router.get("/v3/debug/validate")
    async def debug_validate(request: Request):
        auth(request)
        return json_response(True)

    @router.get("/v3/debug/ttl")
    async def debug_ttl(request: Request):
        auth(request)
        return json_response(state.token_ttl(get_token(request)))

    @router.get("/v3/debug/whoami")
    async def debug_whoami(request: Request):
        return json_response(auth(request).whoami())

    @router.get("/v3/debug/exchange")
    async def debug_exchange(request: Request):
        auth(request)
        return json_response(state.exchange_token(get_token(request)))

    # ------------------------------------------------------------ legacy versions

    @router.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    @router.api_route("/v2/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def legacy(request: Request, rest: str):
        """v1/v2: ``login`` does not exist here (404); a v3 token is refused with 403."""
        if not rest.strip("/") or rest.strip("/").lower() == "login":
            return error_response(404, "Not Found")
        tok = state.lookup_token(get_token(request))
        if tok is None or tok.revoked or tok.expires <= state.now():
            return error_response(401, "Unauthorized")
        return error_response(403, "Forbidden: v3 token on lower version")

    return router
