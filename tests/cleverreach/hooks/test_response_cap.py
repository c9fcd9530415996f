"""Answers above the connection's ``max_response_bytes`` are refused while streaming, never read whole (issue 18).

A loopback server plays CleverReach: it hands out a token and answers ``/v3/groups`` with a body that is
declared too large, or has no length and never ends.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cleverreach.exceptions import CleverReachResponseTooLargeError
from cleverreach.hooks.settings import DEFAULT_MAX_RESPONSE_BYTES, CleverReachSettings

CAP = 64 * 1024
ENDLESS_SAFETY = 256 * 2**20  # the server stops after this much, so a hook that reads it all still ends


class _Oversized(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sent: dict[str, int] = {}

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"access_token": "t0ken-for-the-cap-test", "expires_in": 3600}).encode()
        self._answer(body)

    def do_GET(self) -> None:
        mode = self.path.rsplit("/", 1)[-1].split("?")[0]
        if mode == "small":
            self._answer(json.dumps([{"id": 1, "name": "x" * 100}]).encode())
        elif mode == "declared":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(CAP * 4))
            self.end_headers()
            self._write_until_refused(CAP * 4)
        else:  # endless: no length, the connection's end would end the body
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self._write_until_refused(ENDLESS_SAFETY)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _write_until_refused(self, total: int) -> None:
        chunk = b"[" + b'{"id": 1, "name": "padding"},' * 2000
        sent = 0
        try:
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:  # the hook hung up: what the cap should do
            pass
        _Oversized.sent[self.path] = sent


@pytest.fixture
def oversized():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Oversized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_response_cap_default_is_generous():
    assert CleverReachSettings().max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES >= 64 * 2**20


def test_response_cap_accepts_an_answer_below_it(connect, oversized):
    hook = connect("cleverreach_cap", url=oversized, max_response_bytes=CAP)
    assert hook.request("GET", "groups/small") == [{"id": 1, "name": "x" * 100}]


def test_response_cap_refuses_a_declared_oversized_body(connect, oversized):
    hook = connect("cleverreach_cap", url=oversized, max_response_bytes=CAP)
    with pytest.raises(CleverReachResponseTooLargeError, match=f"limit {CAP} bytes"):
        hook.request("GET", "groups/declared")


def test_response_cap_stops_reading_an_endless_body(connect, oversized):
    hook = connect("cleverreach_cap", url=oversized, max_response_bytes=CAP)
    started = time.monotonic()
    with pytest.raises(CleverReachResponseTooLargeError, match="more than"):
        hook.request("GET", "groups/endless")
    assert time.monotonic() - started < 5.0
    time.sleep(0.2)  # the server notices the hang-up
    assert _Oversized.sent.get("/v3/groups/endless", 0) < ENDLESS_SAFETY


def test_response_cap_holds_for_a_body_a_transport_adapter_read_already():
    """An adapter that is no stream (a test double, a caching adapter) hands over the body read: it is taken as
    it is below the cap and refused above it."""
    import requests

    from cleverreach.hooks.responses import read_capped

    response = requests.Response()
    response.status_code, response._content = 200, b"x" * 2048
    assert read_capped(response, 4096, "test").content == b"x" * 2048
    with pytest.raises(CleverReachResponseTooLargeError):
        read_capped(response, 1024, "test")
