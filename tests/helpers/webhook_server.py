"""The public webhooks app (``cleverreach.webhooks.app``) served by uvicorn on a free loopback port, on a given CRM
engine: the endpoint as CleverReach reaches it, through real HTTP."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from cleverreach.webhooks.app import URL_PREFIX, create_app, webhook_engine


class WebhookServer:
    """``with WebhookServer(engine) as server: requests.post(server.url + "/acme/receiver.unsubscribed/41")``."""

    def __init__(self, engine) -> None:
        self.app = create_app()
        self.app.dependency_overrides[webhook_engine] = lambda: engine
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """What ``[cleverreach] webhook_base_url`` would be: the endpoint's app sits under URL_PREFIX of it."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}{URL_PREFIX}"

    def __enter__(self) -> WebhookServer:
        from fastapi import FastAPI

        root = FastAPI()
        root.mount(URL_PREFIX, self.app)  # mounted under its prefix, as Airflow's API server mounts plugin apps
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._server = uvicorn.Server(uvicorn.Config(root, log_level="warning", access_log=False, lifespan="off"))
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
