"""FastAPI application of the CleverReach emulator.

Three surfaces:

* ``/oauth/...``  - the OAuth2 endpoints (``POST /oauth/token.php``, ``GET /oauth/authorize.php``,
  ``DELETE /oauth/token``).
* ``/v3/...``     - the REST API v3 (every path segment may carry ``.json``).
  ``/v1`` and ``/v2`` answer 404 for ``login`` and ``403 Forbidden: v3 token on lower version``
  for anything else called with a v3 token (the documented URL-joining quirk).
* ``/_emulator/...`` - the control API for tests and demos (no auth, never faulted, not logged).

A pure ASGI middleware normalises paths (strips ``.json`` before ``/`` or the end),
injects faults, and writes the request log and counters.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import secrets
import threading
from collections import deque
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from .seed import SeedError
from .state import ApiError, EmulatorSettings, OAuthError, RawJSON, State, token_fingerprint

__all__ = ["create_app", "Traffic", "Faults"]

_JSON_SUFFIX = re.compile(r"\.json(?=/|$)")


def normalise_path(path: str) -> str:
    path = _JSON_SUFFIX.sub("", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def J(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    if isinstance(data, RawJSON):
        content = data.encode("utf-8")
    else:
        content = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def error_response(status: int, message: str | None = None, headers: dict | None = None) -> Response:
    if message is None:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = "Error"
    return J({"error": {"code": status, "message": message}}, status, headers)


_HTML_PAGE = ("<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
              "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
              "</body>\r\n</html>\r\n")


def html_error(status: int, headers: dict | None = None) -> Response:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return Response(_HTML_PAGE.format(status=status, phrase=phrase).encode(), status_code=status,
                    media_type="text/html; charset=utf-8", headers=headers)


# --------------------------------------------------------------------------
# faults, request log, counters
# --------------------------------------------------------------------------


class FaultHit:
    __slots__ = ("status", "html", "retry_after", "after", "message")

    def __init__(self, status: int, html: bool = False, retry_after: Any = None, after: bool = False,
                 message: str | None = None):
        self.status = status
        self.html = html
        self.retry_after = retry_after
        self.after = after
        self.message = message

    def response(self) -> Response:
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.html:
            return html_error(self.status, headers)
        return error_response(self.status, self.message, headers)


class Faults:
    """Fault injection configuration (see ``POST /_emulator/faults``).

    Keys: ``error_rate`` (probability of a JSON error with a status drawn from
    ``error_statuses``), ``rate_limit_rate`` (probability of 429 with ``Retry-After:
    retry_after``), ``html_error_rate`` (probability of an HTML proxy error page with a
    status from ``error_statuses``), ``latency_ms`` (added to every matching request),
    ``seed`` (RNG seed), ``path_regex``/``methods`` (restrict the random faults and the
    latency), ``include_oauth`` (also fault ``/oauth``), and ``next``: a queue of
    deterministic faults ``{"status", "count": 1, "path_regex", "methods", "retry_after",
    "html": false, "after": false, "message", "skip": 0}``; ``after: true`` applies the request
    first and then answers with the error (a lost response); ``skip: n`` lets the first n
    matching requests through before the entry starts to fire.
    """

    KEYS = {"error_rate", "error_statuses", "rate_limit_rate", "retry_after", "latency_ms", "seed",
            "path_regex", "methods", "html_error_rate", "next", "include_oauth"}
    NEXT_KEYS = {"status", "count", "path_regex", "methods", "retry_after", "html", "after", "message", "skip"}

    def __init__(self, cfg: dict | None = None):
        cfg = dict(cfg or {})
        unknown = set(cfg) - self.KEYS
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}")

        def rate(k: str) -> float:
            v = cfg.get(k, 0.0) or 0.0
            if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ValueError(f"{k} must be between 0 and 1")
            return float(v)

        self.error_rate = rate("error_rate")
        self.rate_limit_rate = rate("rate_limit_rate")
        self.html_error_rate = rate("html_error_rate")
        if self.error_rate + self.rate_limit_rate + self.html_error_rate > 1:
            raise ValueError("the fault rates add up to more than 1")
        self.error_statuses = [int(s) for s in cfg.get("error_statuses") or [500, 502, 503]]
        if not self.error_statuses or any(not 400 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be HTTP error statuses")
        self.retry_after = cfg.get("retry_after", 1)
        self.latency_ms = float(cfg.get("latency_ms") or 0)
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        self.seed = cfg.get("seed")
        self.path_regex = cfg.get("path_regex")
        self._path_re = re.compile(self.path_regex) if self.path_regex else None
        self.methods = [m.upper() for m in cfg["methods"]] if cfg.get("methods") else None
        self.include_oauth = bool(cfg.get("include_oauth", False))
        self.rng = random.Random(self.seed)
        self.next: list[dict] = []
        for entry in cfg.get("next") or []:
            if not isinstance(entry, dict) or set(entry) - self.NEXT_KEYS:
                raise ValueError(f"bad next entry {entry!r}")
            status = int(entry.get("status", 503))
            if not 400 <= status <= 599:
                raise ValueError("next.status must be an HTTP error status")
            e = dict(entry, status=status, count=int(entry.get("count", 1)))
            e["_re"] = re.compile(entry["path_regex"]) if entry.get("path_regex") else None
            e["_methods"] = [m.upper() for m in entry["methods"]] if entry.get("methods") else None
            if e["count"] > 0:
                self.next.append(e)
        self.cfg = {k: v for k, v in cfg.items()}

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.cfg.items() if k != "next"}
        out["next"] = [{k: v for k, v in e.items() if not k.startswith("_")} for e in self.next]
        return out

    @property
    def empty(self) -> bool:
        return not (self.next or self.error_rate or self.rate_limit_rate or self.html_error_rate
                    or self.latency_ms)

    def _global_match(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self._path_re is not None and not self._path_re.search(path):
            return False
        return True

    def pick(self, method: str, path: str, is_oauth: bool) -> tuple[float, FaultHit | None]:
        if is_oauth and not self.include_oauth:
            return 0.0, None
        gm = self._global_match(method, path)
        latency = self.latency_ms / 1000.0 if gm else 0.0
        for e in self.next:
            if e["_methods"] is not None and method not in e["_methods"]:
                continue
            if e["_re"] is not None and not e["_re"].search(path):
                continue
            if e.get("skip", 0) > 0:  # let the first matching requests through
                e["skip"] -= 1
                continue
            e["count"] -= 1
            if e["count"] <= 0:
                self.next.remove(e)
            retry = e.get("retry_after", self.retry_after if e["status"] == 429 else None)
            return latency, FaultHit(e["status"], bool(e.get("html")), retry, bool(e.get("after")),
                                     e.get("message"))
        if not gm or not (self.error_rate or self.rate_limit_rate or self.html_error_rate):
            return latency, None
        r = self.rng.random()
        if r < self.rate_limit_rate:
            return latency, FaultHit(429, False, self.retry_after)
        r -= self.rate_limit_rate
        if r < self.error_rate:
            return latency, FaultHit(self.rng.choice(self.error_statuses))
        r -= self.error_rate
        if r < self.html_error_rate:
            return latency, FaultHit(self.rng.choice(self.error_statuses), html=True)
        return latency, None


def _new_counter() -> dict:
    return {"reads": 0, "writes": 0, "token_requests": 0, "other": 0, "by_endpoint": {}}


class Traffic:
    """Request log, counters and the fault configuration."""

    def __init__(self, state: State):
        self.state = state
        self.lock = threading.Lock()
        self.clear()
        self.faults = Faults()

    def clear(self) -> None:
        with self.lock:
            self.log: deque = deque(maxlen=max(1, self.state.settings.request_log_limit))
            self.seq = 0
            self.counters: dict[Any, dict] = {}

    def record(self, entry: dict, kind: str, endpoint: str) -> None:
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            if self.log.maxlen != self.state.settings.request_log_limit:
                self.log = deque(self.log, maxlen=max(1, self.state.settings.request_log_limit))
            self.log.append(entry)
            c = self.counters.get(entry["client_id"])
            if c is None:
                c = self.counters[entry["client_id"]] = _new_counter()
            c[kind] += 1
            c["by_endpoint"][endpoint] = c["by_endpoint"].get(endpoint, 0) + 1

    def entries(self, client_id: str | None = None, since_seq: int | None = None,
                limit: int | None = None) -> list[dict]:
        with self.lock:
            out = [dict(e) for e in self.log
                   if (client_id is None or e["client_id"] == client_id)
                   and (since_seq is None or e["seq"] > since_seq)]
        if limit is not None:
            out = out[-limit:] if limit else []
        return out

    def counter_view(self, client_id: str | None = None) -> dict:
        with self.lock:
            if client_id is not None:
                c = self.counters.get(client_id) or _new_counter()
                return {"client_id": client_id, **_copy_counter(c)}
            total = _new_counter()
            for c in self.counters.values():
                for k in ("reads", "writes", "token_requests", "other"):
                    total[k] += c[k]
                for ep, n in c["by_endpoint"].items():
                    total["by_endpoint"][ep] = total["by_endpoint"].get(ep, 0) + n
            total["by_client"] = {str(k): _copy_counter(v) for k, v in self.counters.items()}
            return total


def _copy_counter(c: dict) -> dict:
    return {"reads": c["reads"], "writes": c["writes"], "token_requests": c["token_requests"],
            "other": c["other"], "by_endpoint": dict(c["by_endpoint"])}


def _parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(parts[1].strip()).decode("utf-8")
    except Exception:
        return None
    if ":" not in decoded:
        return None
    cid, secret = decoded.split(":", 1)
    return cid, secret


def _token_from_scope(scope: dict, headers: dict) -> str | None:
    auth = headers.get("authorization")
    if auth:
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() == "bearer":
            return parts[1].strip()
    qs = scope.get("query_string", b"").decode("latin-1")
    for k, v in parse_qsl(qs, keep_blank_values=True):
        if k == "token":
            return v
    return None


def _mask_query(qs: str) -> str:
    if "token=" not in qs:
        return qs
    parts = []
    for part in qs.split("&"):
        if part.split("=", 1)[0] == "token":
            part = "token=***"
        parts.append(part)
    return "&".join(parts)


class EmulatorMiddleware:
    """Path normalisation, fault injection, request log and counters (pure ASGI)."""

    def __init__(self, app, fastapi_app: FastAPI, state: State, traffic: Traffic):
        self.app = app
        self.fastapi_app = fastapi_app
        self.state = state
        self.traffic = traffic

    def _template(self, scope: dict) -> str:
        route = scope.get("route")
        if route is not None and getattr(route, "path", None):
            return route.path
        probe = {"type": "http", "path": scope["path"], "method": scope["method"], "root_path": ""}
        partial = None
        for r in self.fastapi_app.router.routes:
            try:
                match, _ = r.matches(probe)
            except Exception:
                continue
            if match == Match.FULL:
                return r.path
            if match == Match.PARTIAL and partial is None:
                partial = r.path
        return partial or scope["path"]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = normalise_path(scope["path"])
        if path != scope["path"]:
            scope["path"] = path
            raw = scope.get("raw_path")
            if raw is not None:
                scope["raw_path"] = normalise_path(raw.decode("latin-1")).encode("latin-1")
        if path.startswith("/_emulator") or not (path.startswith("/v") or path.startswith("/oauth")):
            return await self.app(scope, receive, send)

        state = self.state
        method = scope["method"].upper()
        is_oauth = path.startswith("/oauth")
        # buffer the body so that it can be inspected and replayed
        chunks = []
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        items = None
        stripped = body.lstrip()[:1]
        if stripped in (b"[", b"{"):
            try:
                parsed = json.loads(body)
            except ValueError:
                pass
            else:
                scope["cr.json"] = parsed
                if isinstance(parsed, list):
                    items = len(parsed)
                elif isinstance(parsed, dict):
                    for k in ("postdata", "receivers"):
                        if isinstance(parsed.get(k), list):
                            items = len(parsed[k])
                            break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = None if is_oauth and path.endswith("token.php") else _token_from_scope(scope, headers)
        client_id = None
        if is_oauth and method == "POST":
            basic = _parse_basic(headers.get("authorization"))
            if basic:
                client_id = basic[0]
            else:
                params = scope.get("cr.json") if isinstance(scope.get("cr.json"), dict) else None
                if params is None and body:
                    params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                if params and params.get("client_id"):
                    client_id = str(params["client_id"])
                elif params and params.get("refresh_token"):
                    rt = state.refresh_tokens.get(str(params["refresh_token"]))
                    client_id = rt.account.client_id if rt else None
            if client_id is not None and client_id not in state.accounts:
                client_id = None
        if client_id is None and token:
            tok = state.lookup_token(token)
            if tok is not None:
                client_id = tok.account.client_id

        with self.traffic.lock:
            latency, hit = self.traffic.faults.pick(method, path, is_oauth)
        if latency:
            await asyncio.sleep(latency)

        status_box = [0]
        sent = [False]

        async def replay():
            if not sent[0]:
                sent[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
            if hit is not None and hit.after:
                return
            await send(message)

        started = state.now_float()
        if hit is not None and not hit.after:
            await hit.response()(scope, replay, send)
            status = hit.status
        else:
            try:
                await self.app(scope, replay, send_wrapper)
            except Exception:
                status_box[0] = status_box[0] or 500
                self._record(scope, method, path, is_oauth, started, client_id, token,
                             status_box[0], items, hit)
                raise
            status = status_box[0]
            if hit is not None:
                await hit.response()(scope, replay, send)
                status = hit.status

        self._record(scope, method, path, is_oauth, started, client_id, token, status, items, hit)

    def _record(self, scope, method, path, is_oauth, started, client_id, token, status, items, hit):
        state = self.state
        if is_oauth:
            kind = "token_requests" if path.startswith("/oauth/token") and method == "POST" else "other"
        elif not path.startswith("/v3"):
            kind = "other"
        elif method in ("GET", "HEAD"):
            kind = "reads"
        elif method in ("POST", "PUT", "DELETE", "PATCH"):
            kind = "writes"
        else:
            kind = "other"
        template = self._template(scope)
        entry = {
            "seq": 0, "time": round(started, 3), "method": method, "path": path,
            "query": _mask_query(scope.get("query_string", b"").decode("latin-1")),
            "client_id": client_id, "token_fingerprint": token_fingerprint(token),
            "status": status, "items": items, "route": template,
            "fault": None if hit is None else ("after" if hit.after else "before"),
            "duration_ms": round((state.now_float() - started) * 1000, 2),
        }
        self.traffic.record(entry, kind, f"{method} {template}")


# --------------------------------------------------------------------------
# request helpers
# --------------------------------------------------------------------------


def get_token(request: Request) -> str | None:
    return _token_from_scope(request.scope, {"authorization": request.headers.get("authorization", "")})


def qint(request: Request, name: str, default: int | None = None) -> int | None:
    v = request.query_params.get(name)
    if v is None or v.strip() == "":
        return default
    try:
        return int(v)
    except ValueError:
        raise ApiError(400, f"Bad Request: invalid {name}") from None


def qstr(request: Request, name: str, default: str | None = None) -> str | None:
    v = request.query_params.get(name)
    return default if v is None or v == "" else v


async def body_json(request: Request) -> Any:
    if "cr.json" in request.scope:
        return request.scope["cr.json"]
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Bad Request: invalid JSON") from None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"


# --------------------------------------------------------------------------
# the app
# --------------------------------------------------------------------------


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

    def auth(request: Request):
        return state.authenticate(get_token(request))

    # ------------------------------------------------------------ oauth

    @app.post("/oauth/token.php")
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
                    return J({"error": "invalid_request", "error_description": "Malformed JSON body"}, 400)
                params.update(data)
            elif "multipart/form-data" in ctype:
                form = await request.form()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                params.update(dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
        basic = _parse_basic(request.headers.get("authorization"))
        try:
            return J(state.oauth_token(params, basic), headers={"Cache-Control": "no-store"})
        except OAuthError as exc:
            return J(exc.body(), exc.status)

    @app.get("/oauth/authorize.php")
    async def oauth_authorize(request: Request):
        cid = request.query_params.get("client_id", "")
        if cid not in state.accounts:
            return J({"error": "invalid_client", "error_description": "Unknown client"}, 400)
        code = secrets.token_urlsafe(24)
        redirect = request.query_params.get("redirect_uri")
        if not redirect:
            return J({"code": code})
        extra = {"code": code}
        if request.query_params.get("state") is not None:
            extra["state"] = request.query_params["state"]
        sep = "&" if "?" in redirect else "?"
        return RedirectResponse(redirect + sep + urlencode(extra), status_code=302)

    @app.delete("/oauth/token")
    @app.delete("/v3/oauth/token")
    async def oauth_revoke(request: Request):
        auth(request)
        state.revoke_token(get_token(request))
        return J(True)

    # ------------------------------------------------------------ debug

    @app.get("/v3/debug/ping")
    async def debug_ping(request: Request):
        return J(True)

    @app.get("/v3/debug/validate")
    async def debug_validate(request: Request):
        auth(request)
        return J(True)

    @app.get("/v3/debug/ttl")
    async def debug_ttl(request: Request):
        auth(request)
        return J(state.token_ttl(get_token(request)))

    @app.get("/v3/debug/whoami")
    async def debug_whoami(request: Request):
        return J(auth(request).whoami())

    @app.get("/v3/debug/exchange")
    async def debug_exchange(request: Request):
        auth(request)
        return J(state.exchange_token(get_token(request)))

    # ------------------------------------------------------------ groups

    @app.get("/v3/groups")
    async def groups_list(request: Request):
        acc = auth(request)
        return J(state.list_groups(acc, qstr(request, "order")))

    @app.post("/v3/groups")
    async def groups_create(request: Request):
        acc = auth(request)
        return J(state.create_group(acc, await body_json(request) or {}))

    @app.get("/v3/groups/{id}")
    async def groups_get(request: Request, id: str):
        return J(state.get_group(auth(request), id))

    @app.put("/v3/groups/{id}")
    async def groups_update(request: Request, id: str):
        acc = auth(request)
        return J(state.update_group(acc, id, await body_json(request) or {}))

    @app.delete("/v3/groups/{id}")
    async def groups_delete(request: Request, id: str):
        return J(state.delete_group(auth(request), id))

    @app.delete("/v3/groups/{id}/clear")
    async def groups_clear(request: Request, id: str):
        return J(state.clear_group(auth(request), id))

    @app.get("/v3/groups/{id}/stats")
    async def groups_stats(request: Request, id: str):
        return J(state.group_stats(auth(request), id))

    @app.get("/v3/groups/{id}/attributes")
    async def group_attrs_list(request: Request, id: str):
        return J(state.list_attributes(auth(request), id))

    @app.post("/v3/groups/{id}/attributes")
    async def group_attrs_create(request: Request, id: str):
        acc = auth(request)
        return J(state.create_attribute(acc, await body_json(request), id))

    @app.get("/v3/groups/{id}/attributes/{attribute_id}")
    async def group_attrs_get(request: Request, id: str, attribute_id: str):
        return J(state.get_attribute(auth(request), attribute_id, id))

    @app.put("/v3/groups/{id}/attributes/{attribute_id}")
    async def group_attrs_update(request: Request, id: str, attribute_id: str):
        acc = auth(request)
        return J(state.update_attribute(acc, attribute_id, await body_json(request), id))

    @app.delete("/v3/groups/{id}/attributes/{attribute_id}")
    async def group_attrs_delete(request: Request, id: str, attribute_id: str):
        return J(state.delete_attribute(auth(request), attribute_id, id))

    # ------------------------------------------------------------ group receivers

    @app.get("/v3/groups/{id}/receivers")
    async def receivers_list(request: Request, id: str):
        acc = auth(request)
        return J(state.list_receivers(
            acc, id, page=qint(request, "page", 0), pagesize=qint(request, "pagesize"),
            type_=(qstr(request, "type", "all") or "all").lower(), detail=qint(request, "detail", 0),
            email_list=qstr(request, "email_list"), id_list=qstr(request, "id_list"),
            order_by=qstr(request, "order_by"), raw=True))

    @app.post("/v3/groups/{id}/receivers")
    async def receivers_create(request: Request, id: str):
        acc = auth(request)
        return J(state.create_receiver(acc, id, await body_json(request), client_ip(request)))

    async def _bulk(request: Request, id: str, mode: str):
        acc = auth(request)
        return J(state.bulk_write(acc, id, await body_json(request), mode, client_ip(request), raw=True))

    @app.post("/v3/groups/{id}/receivers/upsert")
    async def receivers_upsert(request: Request, id: str):
        return await _bulk(request, id, "upsert")

    @app.post("/v3/groups/{id}/receivers/insert")
    async def receivers_insert(request: Request, id: str):
        return await _bulk(request, id, "insert")

    @app.post("/v3/groups/{id}/receivers/upsertplus")
    async def receivers_upsertplus(request: Request, id: str):
        return await _bulk(request, id, "upsertplus")

    @app.put("/v3/groups/{id}/receivers/update")
    async def receivers_update_bulk(request: Request, id: str):
        return await _bulk(request, id, "update")

    @app.post("/v3/groups/{id}/receivers/delete")
    async def receivers_delete_bulk(request: Request, id: str):
        acc = auth(request)
        return J(state.bulk_delete(acc, id, await body_json(request)))

    @app.get("/v3/groups/{id}/receivers/{receiver}")
    async def receivers_get(request: Request, id: str, receiver: str):
        acc = auth(request)
        return J(state.get_receiver(acc, receiver, gid=id, detail=qint(request, "detail", 0)))

    @app.put("/v3/groups/{id}/receivers/{receiver}")
    async def receivers_update(request: Request, id: str, receiver: str):
        acc = auth(request)
        return J(state.update_receiver(acc, id, receiver, await body_json(request), client_ip(request)))

    @app.delete("/v3/groups/{id}/receivers/{receiver}")
    async def receivers_delete(request: Request, id: str, receiver: str):
        return J(state.delete_receiver(auth(request), id, receiver))

    @app.put("/v3/groups/{id}/receivers/{receiver}/activate")
    async def receivers_activate(request: Request, id: str, receiver: str):
        return J(state.set_active(auth(request), id, receiver, True, client_ip(request)))

    @app.put("/v3/groups/{id}/receivers/{receiver}/deactivate")
    async def receivers_deactivate(request: Request, id: str, receiver: str):
        return J(state.set_active(auth(request), id, receiver, False, client_ip(request)))

    @app.get("/v3/groups/{id}/receivers/{receiver}/events")
    async def receivers_events(request: Request, id: str, receiver: str):
        return J(state.receiver_events(auth(request), receiver, gid=id))

    # ------------------------------------------------------------ global receivers

    @app.post("/v3/receivers/delete")
    async def receivers_delete_global_bulk(request: Request):
        acc = auth(request)
        return J(state.bulk_delete(acc, None, await body_json(request)))

    @app.get("/v3/receivers/{receiver}")
    async def receivers_get_global(request: Request, receiver: str):
        acc = auth(request)
        return J(state.get_receiver(acc, receiver, group_id=qstr(request, "group_id"),
                                    detail=qint(request, "detail", 0)))

    @app.delete("/v3/receivers/{receiver}")
    async def receivers_delete_global(request: Request, receiver: str):
        return J(state.delete_receiver_global(auth(request), receiver))

    @app.get("/v3/receivers/{receiver}/groups")
    async def receivers_groups(request: Request, receiver: str):
        return J(state.receiver_groups(auth(request), receiver))

    @app.get("/v3/receivers/{receiver}/events")
    async def receivers_events_global(request: Request, receiver: str):
        return J(state.receiver_events(auth(request), receiver))

    # ------------------------------------------------------------ attributes

    @app.get("/v3/attributes")
    async def attrs_list(request: Request):
        return J(state.list_attributes(auth(request), qstr(request, "group_id")))

    @app.post("/v3/attributes")
    async def attrs_create(request: Request):
        acc = auth(request)
        body = await body_json(request)
        gid = qstr(request, "group_id")
        if gid is None and isinstance(body, dict):
            gid = body.get("group_id")
        return J(state.create_attribute(acc, body, gid))

    @app.get("/v3/attributes/limits")
    async def attrs_limits(request: Request):
        return J(state.attribute_limits(auth(request)))

    @app.get("/v3/attributes/{attribute_id}")
    async def attrs_get(request: Request, attribute_id: str):
        return J(state.get_attribute(auth(request), attribute_id))

    @app.put("/v3/attributes/{attribute_id}")
    async def attrs_update(request: Request, attribute_id: str):
        acc = auth(request)
        return J(state.update_attribute(acc, attribute_id, await body_json(request)))

    @app.delete("/v3/attributes/{attribute_id}")
    async def attrs_delete(request: Request, attribute_id: str):
        return J(state.delete_attribute(auth(request), attribute_id))

    # ------------------------------------------------------------ mailings / reports

    @app.get("/v3/mailings")
    async def mailings_list(request: Request):
        acc = auth(request)
        return J(state.list_mailings(acc, (qstr(request, "state", "all") or "all").lower(),
                                     qint(request, "limit"), qint(request, "start"), qint(request, "end")))

    @app.get("/v3/mailings/{id}")
    async def mailings_get(request: Request, id: str):
        return J(state.get_mailing(auth(request), id))

    @app.get("/v3/mailings/{id}/links")
    async def mailings_links(request: Request, id: str):
        return J(state.mailing_links(auth(request), id))

    @app.get("/v3/reports")
    async def reports_list(request: Request):
        acc = auth(request)
        return J(state.list_reports(acc, qint(request, "page", 0), qint(request, "pagesize"),
                                    qint(request, "start"), qint(request, "end"), qstr(request, "group_id")))

    @app.get("/v3/reports/{id}")
    async def reports_get(request: Request, id: str):
        return J(state.get_report(auth(request), id))

    @app.get("/v3/reports/{id}/stats")
    async def reports_stats(request: Request, id: str):
        return J(state.report_stats(auth(request), id, "full"))

    @app.get("/v3/reports/{id}/stats/{mode}")
    async def reports_stats_mode(request: Request, id: str, mode: str):
        return J(state.report_stats(auth(request), id, mode.lower()))

    @app.get("/v3/reports/{id}/receivers/{state_name}")
    async def reports_receivers(request: Request, id: str, state_name: str):
        acc = auth(request)
        return J(state.report_receivers(
            acc, id, state_name.lower(), page=qint(request, "page", 0), pagesize=qint(request, "pagesize"),
            from_=qint(request, "from"), to=qint(request, "to"), linkid=qstr(request, "linkid"),
            detail=qint(request, "detail", 0), raw=True))

    # ------------------------------------------------------------ bounces / blacklist

    @app.get("/v3/bounces")
    async def bounces_list(request: Request):
        acc = auth(request)
        return J(state.list_bounces(acc, qint(request, "page", 0), qint(request, "pagesize")))

    @app.get("/v3/blacklist")
    async def blacklist_list(request: Request):
        return J(state.list_blacklist(auth(request)))

    @app.post("/v3/blacklist")
    async def blacklist_add(request: Request):
        acc = auth(request)
        return J(state.add_blacklist(acc, await body_json(request)))

    @app.get("/v3/blacklist/{email}")
    async def blacklist_get(request: Request, email: str):
        return J(state.get_blacklisted(auth(request), email))

    @app.delete("/v3/blacklist/{email}")
    async def blacklist_delete(request: Request, email: str):
        return J(state.remove_blacklist(auth(request), email))

    # ------------------------------------------------------------ legacy versions

    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    @app.api_route("/v2/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def legacy(request: Request, rest: str):
        """v1/v2: ``login`` does not exist here (404); a v3 token is refused with 403."""
        if not rest.strip("/") or rest.strip("/").lower() == "login":
            return error_response(404, "Not Found")
        tok = state.lookup_token(get_token(request))
        if tok is None or tok.revoked or tok.expires <= state.now():
            return error_response(401, "Unauthorized")
        return error_response(403, "Forbidden: v3 token on lower version")

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

    @app.get("/_emulator/health")
    async def ctl_health(request: Request):
        return J({"ok": True, "accounts": len(state.accounts), "now": state.now()})

    @app.post("/_emulator/reset")
    async def ctl_reset(request: Request):
        try:
            state.reset(await ctl_body(request))
        except (SeedError, ApiError) as exc:
            return ctl_error(exc)
        traffic.clear()
        with traffic.lock:
            traffic.faults = Faults()
        return J({"ok": True, "accounts": list(state.accounts)})

    @app.get("/_emulator/state")
    async def ctl_state(request: Request):
        with_receivers = request.query_params.get("receivers", "true").lower() not in ("0", "false", "no")
        return J(state.dump(receivers=with_receivers))

    @app.get("/_emulator/state/groups/{gid}/receivers")
    async def ctl_group_receivers(request: Request, gid: str):
        try:
            return J(state.group_receivers_dump(gid))
        except ApiError as exc:
            return ctl_error(exc)

    @app.get("/_emulator/requests")
    async def ctl_requests(request: Request):
        try:
            since = qint(request, "since_seq")
            limit = qint(request, "limit")
        except ApiError as exc:
            return ctl_error(exc)
        return J(traffic.entries(qstr(request, "client_id"), since, limit))

    @app.delete("/_emulator/requests")
    async def ctl_requests_clear(request: Request):
        traffic.clear()
        return J(True)

    @app.get("/_emulator/counters")
    async def ctl_counters(request: Request):
        return J(traffic.counter_view(qstr(request, "client_id")))

    @app.delete("/_emulator/counters")
    async def ctl_counters_clear(request: Request):
        traffic.clear()
        return J(True)

    @app.get("/_emulator/faults")
    async def ctl_faults(request: Request):
        with traffic.lock:
            return J(traffic.faults.to_dict())

    @app.post("/_emulator/faults")
    async def ctl_faults_set(request: Request):
        try:
            faults = Faults(obj(await ctl_body(request)))
        except (ValueError, TypeError, re.error, ApiError) as exc:
            return ctl_error(exc)
        with traffic.lock:
            traffic.faults = faults
        return J(faults.to_dict())

    @app.delete("/_emulator/faults")
    async def ctl_faults_clear(request: Request):
        with traffic.lock:
            traffic.faults = Faults()
        return J(True)

    @app.get("/_emulator/settings")
    async def ctl_settings(request: Request):
        return J(state.settings.to_dict())

    @app.patch("/_emulator/settings")
    async def ctl_settings_update(request: Request):
        try:
            return J(state.update_settings(obj(await ctl_body(request))).to_dict())
        except (ValueError, ApiError) as exc:
            return ctl_error(exc)

    @app.get("/_emulator/clock")
    async def ctl_clock(request: Request):
        return J({"now": state.now(), "offset": state.clock_offset})

    @app.post("/_emulator/clock")
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
        return J({"now": now, "offset": state.clock_offset})

    @app.post("/_emulator/accounts")
    async def ctl_add_account(request: Request):
        try:
            return J(state.add_account(obj(await ctl_body(request))))
        except (SeedError, ApiError) as exc:
            return ctl_error(exc)

    async def ctl_call(request: Request, fn):
        try:
            body = obj(await ctl_body(request))
            return J(fn(body))
        except (ApiError, ValueError, TypeError, KeyError) as exc:
            if isinstance(exc, KeyError):
                return error_response(400, f"Bad Request: missing {exc.args[0]}")
            return ctl_error(exc)

    @app.post("/_emulator/accounts/{client_id}/revoke-tokens")
    async def ctl_revoke(request: Request, client_id: str):
        return await ctl_call(request, lambda b: {"revoked": state.revoke_tokens(
            client_id, bool(b.get("include_refresh", False)))})

    @app.post("/_emulator/accounts/{client_id}/unsubscribe")
    async def ctl_unsubscribe(request: Request, client_id: str):
        return await ctl_call(request, lambda b: {"receiver_ids": state.user_unsubscribe(
            client_id, b["email"], b.get("group_id"), b.get("blacklist"), b.get("mailing_id"),
            b.get("stamp"))})

    @app.post("/_emulator/accounts/{client_id}/bounce")
    async def ctl_bounce(request: Request, client_id: str):
        return await ctl_call(request, lambda b: {"receiver_ids": state.bounce(
            client_id, b["email"], b.get("group_id"), b.get("category", "hardbounce"), b.get("message"),
            b.get("mailing_id"), b.get("stamp"))})

    @app.post("/_emulator/accounts/{client_id}/signup")
    async def ctl_signup(request: Request, client_id: str):
        return await ctl_call(request, lambda b: state.signup(
            client_id, b["group_id"], b["email"], b.get("global_attributes"), b.get("attributes"),
            bool(b.get("doi", False)), b.get("source", "Formular")))

    @app.post("/_emulator/accounts/{client_id}/groups")
    async def ctl_group_create(request: Request, client_id: str):
        return await ctl_call(request, lambda b: state.ui_create_group(client_id, b))

    @app.delete("/_emulator/accounts/{client_id}/groups/{gid}")
    async def ctl_group_delete(request: Request, client_id: str, gid: str):
        return await ctl_call(request, lambda b: state.ui_delete_group(client_id, gid))

    @app.post("/_emulator/accounts/{client_id}/groups/{gid}/generate")
    async def ctl_generate(request: Request, client_id: str, gid: str):
        return await ctl_call(request, lambda b: state.generate_receivers(
            client_id, gid, int(b["count"]), b.get("email_pattern", "user{n}@example.com"),
            int(b.get("start", 0)), b.get("global_attributes"), bool(b.get("active", True))))

    @app.post("/_emulator/accounts/{client_id}/mailings/send")
    async def ctl_send_mailing(request: Request, client_id: str):
        return await ctl_call(request, lambda b: state.send_mailing(client_id, b))

    return app
