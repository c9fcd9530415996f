"""Run the emulator in a background thread (for tests, benchmarks and the demo)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from .app import create_app
from .client import EmulatorClient
from .settings import EmulatorSettings
from .state import State

__all__ = ["EmulatorServer"]


class EmulatorServer:
    """A uvicorn server on ``127.0.0.1`` (port 0 = pick a free one) in a daemon thread.

    Usage::

        with EmulatorServer(seed={...}, settings={"batch_limit": 500}) as server:
            requests.get(server.url + "/v3/debug/ping")
            server.client.reset(seed)

    ``settings`` are the base settings; a seed's own ``"settings"`` are applied on top of
    them at every reset.
    """

    def __init__(self, seed: Any = None, settings: EmulatorSettings | dict | None = None,
                 host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 15.0):
        self.state = State(settings, seed)
        self.app = create_app(self.state)
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._client: EmulatorClient | None = None

    # -------------------------------------------------------------- properties

    @property
    def url(self) -> str:
        if self._sock is None:
            raise RuntimeError("EmulatorServer is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def client(self) -> EmulatorClient:
        if self._client is None:
            self._client = EmulatorClient(self.url)
        return self._client

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -------------------------------------------------------------- lifecycle

    def start(self) -> "EmulatorServer":
        if self.running:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(2048)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"cleverreach-emulator-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._cleanup()
                raise RuntimeError("CleverReach emulator failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("CleverReach emulator did not start in time")
            time.sleep(0.01)
        # the server reports "started"; make sure it really accepts and answers
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    probe.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if probe.recv(12).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("CleverReach emulator does not answer")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.state.webhooks.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._thread = None
        self._server = None

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._sock is not None and self.running else "stopped"
        return f"<EmulatorServer {where}>"
