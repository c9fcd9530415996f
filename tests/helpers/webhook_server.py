"""The public webhooks app (``cleverreach.webhooks.app``) served by uvicorn on a free loopback port, on a given CRM
engine: the endpoint as CleverReach reaches it, through real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import requests
import uvicorn

from cleverreach.webhooks.app import URL_PREFIX, create_app, webhook_engine


def send_as_cleverreach(url: str, call_token: str, body: dict[str, Any], placement: str = "header") -> requests.Response:
    """POST an event to ``url`` as CleverReach would, the call token in the header (or the query, or the body): a
    forged event with a token read from the emulator's control API (``webhook_registrations``)."""
    headers = {"X-CR-Calltoken": call_token} if placement == "header" else {}
    params = {"call_token": call_token} if placement == "query" else None
    if placement == "body":
        body = {**body, "call_token": call_token}
    return requests.post(url, json=body, headers=headers, params=params, timeout=30)


class FailFirst:
    """An ASGI wrapper that answers 503 to the first ``count`` event POSTs (a busy endpoint): the sender's retries
    must bring them in. ``failed`` counts the POSTs refused."""

    def __init__(self, app: Any, count: int) -> None:
        self.app, self.left, self.failed = app, count, 0
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            with self._lock:
                refuse = self.left > 0
                if refuse:
                    self.left -= 1
                    self.failed += 1
            if refuse:
                await send({"type": "http.response.start", "status": 503, "headers": [(b"content-length", b"4")]})
                await send({"type": "http.response.body", "body": b"busy"})
                return
        await self.app(scope, receive, send)


class WebhookServer:
    """``with WebhookServer(engine) as server: requests.post(server.url + "/acme/receiver.unsubscribed/41")``.

    ``fail_first``: the first n event POSTs are answered 503 (``server.refused`` counts them)."""

    def __init__(self, engine, fail_first: int = 0) -> None:
        self.app = create_app()
        self.app.dependency_overrides[webhook_engine] = lambda: engine
        self.port = 0
        self._fail_first = fail_first
        self._wrapper: FailFirst | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """What ``[cleverreach] webhook_base_url`` would be: the endpoint's app sits under URL_PREFIX of it."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}{URL_PREFIX}"

    @property
    def refused(self) -> int:
        return self._wrapper.failed if self._wrapper else 0

    def __enter__(self) -> WebhookServer:
        from fastapi import FastAPI

        root = FastAPI()
        root.mount(URL_PREFIX, self.app)  # mounted under its prefix, as Airflow's API server mounts plugin apps
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        served: Any = root
        if self._fail_first:
            served = self._wrapper = FailFirst(root, self._fail_first)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._server = uvicorn.Server(uvicorn.Config(served, log_level="warning", access_log=False, lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the webhook server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
