"""Traffic: the request log and counters, and the pure ASGI middleware that normalises paths,
injects faults and records every API request."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.routing import Match

from .faults import Faults
from .model import token_fingerprint
from .state import State
from .web import mask_query, normalise_path, parse_basic, token_from_scope


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
        if path.startswith("/_emulator") or not path.startswith(("/v", "/oauth", "/hooks")):
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
        token = None if is_oauth and path.endswith("token.php") else token_from_scope(scope, headers)
        client_id = None
        if is_oauth and method == "POST":
            basic = parse_basic(headers.get("authorization"))
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
        elif not path.startswith(("/v3", "/hooks")):
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
            "query": mask_query(scope.get("query_string", b"").decode("latin-1")),
            "client_id": client_id, "token_fingerprint": token_fingerprint(token),
            "status": status, "items": items, "route": template,
            "fault": None if hit is None else ("after" if hit.after else "before"),
            "duration_ms": round((state.now_float() - started) * 1000, 2),
        }
        self.traffic.record(entry, kind, f"{method} {template}")
