"""A LOCAL FAKE of CleverReach's three eventhook calls, in front of the emulator (which has no eventhooks yet).

TO BE REPLACED by the emulator's own eventhooks once they are merged (another branch adds them): the tests that use
this fake say so in their docstrings. Everything but the eventhook paths is passed on to the emulator unchanged.

What it does, as the public sources describe CleverReach (docs/ reference ``cleverreach-webhooks.md``):

- ``POST <path>`` ``{url, event, condition, verify}``: calls ``GET url?secret=S`` at once and expects the body
  ``"<verify> S"``; answers ``{success, call_token (64), secret (32)}`` or 400 when the verification fails;
- ``GET <path>``: the registrations; ``DELETE <path>/{event}?condition=G``: removes that group's registration
  of the event (404 when there is none); without ``condition`` every registration of the event (recorded in
  ``wide_deletes``, which the tests expect to stay empty);
- ``<path>`` is ``/hooks/eventhook`` (``versioned=False``, CleverReach's integration core) or
  ``/v3/hooks/eventhook`` (``versioned=True``); the other one answers 404 (the emulator's unknown path).
"""

from __future__ import annotations

import json
import secrets
import string
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests


@dataclass
class Registration:
    url: str
    event: str
    condition: str
    verify: str
    call_token: str
    secret: str


@dataclass
class EventhookFake:
    emulator_url: str
    versioned: bool = False
    registrations: list[Registration] = field(default_factory=list)
    wide_deletes: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every eventhook call

    @property
    def path(self) -> str:
        return "/v3/hooks/eventhook" if self.versioned else "/hooks/eventhook"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> EventhookFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                if parts.path.rstrip("/").endswith("hooks/eventhook") or "/hooks/eventhook/" in parts.path:
                    fake.calls.append((self.command, parts.path))
                    if not parts.path.startswith(fake.path):
                        return self._answer(404, {"error": {"code": 404, "message": "Not Found"}})
                    if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                        return self._answer(401, {"error": {"code": 401, "message": "Unauthorized"}})
                    return self._answer(*fake.eventhook(self.command, parts.path[len(fake.path):], parse_qs(parts.query), raw))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = requests.request(self.command, fake.emulator_url + self.path, data=raw or None,
                                            headers=headers, timeout=30)
                self._answer(upstream.status_code, upstream.content, upstream.headers.get("Content-Type", "application/json"))

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ the three calls
    def eventhook(self, method: str, tail: str, query: dict[str, list[str]], raw: bytes) -> tuple[int, Any]:
        if method == "GET" and tail in ("", "/"):
            return 200, [{"url": r.url, "event": r.event, "condition": r.condition} for r in self.registrations]
        if method == "POST" and tail in ("", "/"):
            body = json.loads(raw or b"{}")
            verify, url = str(body.get("verify", "")), str(body.get("url", ""))
            if not (10 <= len(verify) <= 50 and url and body.get("event") and body.get("condition")):
                return 400, {"error": {"code": 400, "message": "url, event, condition and verify are required"}}
            secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
            try:
                answer = requests.get(url, params={"secret": secret}, timeout=10)
            except requests.RequestException:
                return 400, {"error": {"code": 400, "message": "verification failed: url not reachable"}}
            if answer.status_code != 200 or answer.text != f"{verify} {secret}":
                return 400, {"error": {"code": 400, "message": "verification failed"}}
            token = secrets.token_hex(32)
            self.registrations.append(Registration(url, str(body["event"]), str(body["condition"]), verify, token, secret))
            return 200, {"success": True, "call_token": token, "secret": secret}
        if method == "DELETE" and tail.startswith("/"):
            event = unquote(tail[1:])
            condition = (query.get("condition") or [None])[0]
            if condition is None:
                self.wide_deletes.append(event)
            matched = [r for r in self.registrations if r.event == event and condition in (None, r.condition)]
            if not matched:
                return 404, {"error": {"code": 404, "message": "Not Found"}}
            self.registrations = [r for r in self.registrations if r not in matched]
            return 200, True
        return 405, {"error": {"code": 405, "message": "Method Not Allowed"}}

    def send(self, registration: Registration, body: dict[str, Any], placement: str = "header") -> requests.Response:
        """Deliver an event as CleverReach would, the call token in the header (or the query, or the body)."""
        headers = {"X-CR-Calltoken": registration.call_token} if placement == "header" else {}
        params = {"call_token": registration.call_token} if placement == "query" else None
        if placement == "body":
            body = {**body, "call_token": registration.call_token}
        return requests.post(registration.url, json=body, headers=headers, params=params, timeout=30)
