"""Event-hook deliveries: the verification call of a registration and the POSTs of events.

One background thread delivers, so that no API request waits for a receiver's URL. What CleverReach
does around a delivery (token placement, payload, retries, duplicates, order, timeout) is unknown
beyond ``{event, condition, payload: {pool_id}}`` and the ``X-CR-Calltoken`` header; every choice is a
setting (``settings.VARIANTS``, README "Event hooks"). Every attempt is logged for the control API.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from .settings import EmulatorSettings

__all__ = ["Registration", "Delivery", "Dispatcher", "verify_url", "encrypt_email", "decrypt_email",
           "new_call_token", "new_secret", "CALL_TOKEN_HEADER"]

#: the header the shop handler of CleverReach's WooCommerce plugin reads (CORE3)
CALL_TOKEN_HEADER = "X-CR-Calltoken"


def new_call_token() -> str:
    """64 characters, as the registration's answer carries."""
    return secrets.token_hex(32)


def new_secret() -> str:
    """32 characters, as the registration's answer carries."""
    return secrets.token_hex(16)


@dataclass
class Registration:
    """One registered event hook of an account."""

    client_id: str
    url: str
    event: str
    condition: str  # a group id; "" = every group of the account
    verify: str
    call_token: str
    secret: str
    created: int

    def public(self) -> dict:
        """What ``GET /hooks/eventhook`` shows: never the call token or the secret."""
        return {"url": self.url, "event": self.event, "condition": self.condition}

    def control(self) -> dict:
        """What the control API shows: everything, so that a test can check a delivery's token."""
        return {"client_id": self.client_id, "url": self.url, "event": self.event,
                "condition": self.condition, "verify": self.verify, "call_token": self.call_token,
                "secret": self.secret, "created": self.created}

    def matches(self, event: str, group_id: str) -> bool:
        """``event`` equal, or the registration names its family (``receiver``); the condition empty
        or the group's id."""
        if self.condition and self.condition != group_id:
            return False
        return self.event == event or self.event == event.split(".", 1)[0]


@dataclass
class Delivery:
    """One POST of one event to one registration (a duplicate is its own delivery)."""

    id: int
    reg: Registration
    event: str
    group_id: str
    pool_id: str
    email: str
    copy: int = 0
    url: str = ""
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)


def verify_url(url: str, verify: str, secret: str, timeout: float) -> str | None:
    """CleverReach's check of a new hook: ``GET url?secret=S`` must answer the plain text ``"<verify> S"``.

    Returns None when the URL answered right, else why not (for the registration's 400)."""
    target = url + ("&" if "?" in url else "?") + urlencode({"secret": secret})
    try:
        r = requests.get(target, timeout=timeout, headers={"Accept": "text/plain"})
    except requests.RequestException as exc:
        return f"verification call failed ({type(exc).__name__})"
    if not 200 <= r.status_code < 300:
        return f"verification call answered HTTP {r.status_code}"
    if r.text.strip() != f"{verify} {secret}":
        return "verification call did not answer '<verify> <secret>'"
    return None


def _keystream(secret: str, nonce: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(secret.encode() + nonce + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def encrypt_email(email: str, secret: str, nonce: bytes | None = None) -> str:
    """A STAND-IN for CleverReach's unknown scheme: base64(8-byte nonce + e-mail XOR a SHA-256 keystream
    of the registration's secret). Opaque without the secret, reversible with it (:func:`decrypt_email`)."""
    nonce = nonce if nonce is not None else secrets.token_bytes(8)
    data = email.encode("utf-8")
    cipher = bytes(a ^ b for a, b in zip(data, _keystream(secret, nonce, len(data))))
    return base64.b64encode(nonce + cipher).decode("ascii")


def decrypt_email(token: str, secret: str) -> str:
    raw = base64.b64decode(token)
    nonce, cipher = raw[:8], raw[8:]
    plain = bytes(a ^ b for a, b in zip(cipher, _keystream(secret, nonce, len(cipher))))
    return plain.decode("utf-8", "replace")  # a wrong secret gives noise, not an exception


def build_request(d: Delivery, s: EmulatorSettings) -> None:
    """Fill ``d.url``, ``d.headers`` and ``d.body`` under the settings of the moment of the event."""
    def ident(value: str) -> Any:
        if s.webhook_id_type == "int" and value.isdigit():
            return int(value)
        return value

    payload: dict[str, Any] = {"pool_id": ident(d.pool_id)}
    if s.webhook_payload_shape != "minimal":
        payload["group_id"] = ident(d.group_id)
        if s.webhook_email == "plain":
            payload["email"] = d.email
        elif s.webhook_email == "encrypted":
            payload["email"] = encrypt_email(d.email, d.reg.secret)
    if s.webhook_payload_shape == "flat":
        body = {"event": d.event, "condition": d.reg.condition or d.group_id, **payload}
    else:
        body = {"event": d.event, "condition": d.reg.condition or d.group_id, "payload": payload}
    headers = {"Content-Type": "application/json", "User-Agent": "CleverReach-Emulator-EventHook"}
    url = d.reg.url
    if s.webhook_token_in == "header":
        headers[CALL_TOKEN_HEADER] = d.reg.call_token
    elif s.webhook_token_in == "query":
        url += ("&" if "?" in url else "?") + urlencode({"call_token": d.reg.call_token})
    else:
        body["call_token"] = d.reg.call_token
    d.url, d.headers, d.body = url, headers, body


class Dispatcher:
    """The delivery queue, its one worker thread and the log of every attempt."""

    def __init__(self, settings: Callable[[], EmulatorSettings]):
        self._settings = settings
        self._cond = threading.Condition()
        self._queue: deque[Delivery] = deque()
        self._busy = False
        self._log: deque[dict] = deque(maxlen=max(1, settings().webhook_log_limit))
        self._seq = 0
        self._next_id = 1
        self._generation = 0
        self._random = random.Random(0)
        self._thread: threading.Thread | None = None
        self._closed = False
        self._session: requests.Session | None = None

    # ------------------------------------------------------------------ producer side

    def new_id(self) -> int:
        with self._cond:
            value = self._next_id
            self._next_id += 1
            return value

    def submit(self, batch: list[Delivery]) -> int:
        """Queue one operation's deliveries (never blocks on the network): each plus its duplicates,
        in order or shuffled (seeded). Returns how many deliveries were queued."""
        if not batch:
            return 0
        s = self._settings()
        items: list[Delivery] = []
        for d in batch:
            build_request(d, s)
            items.append(d)
            for n in range(1, s.webhook_duplicates + 1):
                items.append(Delivery(d.id, d.reg, d.event, d.group_id, d.pool_id, d.email, n,
                                      d.url, dict(d.headers), dict(d.body)))
        with self._cond:
            if s.webhook_order == "shuffled":
                self._random.shuffle(items)
            self._queue.extend(items)
            self._ensure_thread()
            self._cond.notify_all()
        return len(items)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closed = False
            self._thread = threading.Thread(target=self._run, name="cleverreach-emulator-webhooks",
                                            daemon=True)
            self._thread.start()

    # ------------------------------------------------------------------ control side

    def clear(self) -> None:
        """Drop the queue and the log, forget an attempt in flight, reseed the order."""
        with self._cond:
            self._queue.clear()
            self._log = deque(maxlen=max(1, self._settings().webhook_log_limit))
            self._seq = 0
            self._generation += 1
            self._random = random.Random(0)
            self._cond.notify_all()

    def clear_log(self) -> None:
        with self._cond:
            self._log.clear()

    def idle(self) -> bool:
        with self._cond:
            return not self._queue and not self._busy

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def status(self) -> dict:
        with self._cond:
            return {"idle": not self._queue and not self._busy,
                    "pending": len(self._queue) + (1 if self._busy else 0),
                    "attempts": self._seq}

    def log(self, client_id: str | None = None, since_seq: int | None = None,
            event: str | None = None) -> list[dict]:
        with self._cond:
            entries = list(self._log)
        return [dict(e) for e in entries
                if (client_id is None or e["client_id"] == client_id)
                and (since_seq is None or e["seq"] > since_seq)
                and (event is None or e["event"] == event)]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(2)
        self._thread = None

    # ------------------------------------------------------------------ worker

    def _run(self) -> None:
        self._session = requests.Session()
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    d = self._queue.popleft()
                    self._busy = True
                    generation = self._generation
                try:
                    self._deliver(d, generation)
                finally:
                    with self._cond:
                        self._busy = False
                        self._cond.notify_all()
        finally:
            self._session.close()

    def _deliver(self, d: Delivery, generation: int) -> None:
        s = self._settings()
        attempts = 1 + s.webhook_retries
        for attempt in range(1, attempts + 1):
            started = time.time()
            status: int | None = None
            error: str | None = None
            try:
                r = self._session.post(d.url, json=d.body, headers=d.headers, timeout=s.webhook_timeout)
                status = r.status_code
                r.close()
            except requests.Timeout:
                error = "timeout"
            except requests.RequestException as exc:
                error = f"connection error ({type(exc).__name__})"
            ok = status is not None and 200 <= status < 300
            with self._cond:
                if generation != self._generation:
                    return  # reset while in flight: forget it
                self._seq += 1
                if self._log.maxlen != max(1, s.webhook_log_limit):
                    self._log = deque(self._log, maxlen=max(1, s.webhook_log_limit))
                self._log.append({
                    "seq": self._seq, "delivery_id": d.id, "copy": d.copy, "attempt": attempt,
                    "client_id": d.reg.client_id, "url": d.reg.url, "event": d.event,
                    "condition": d.reg.condition, "group_id": d.group_id, "pool_id": d.pool_id,
                    "status": status, "error": error, "ok": ok, "final": ok or attempt == attempts,
                    "time": round(started, 3), "duration_ms": round((time.time() - started) * 1000, 2),
                })
            if ok:
                return
            if attempt < attempts:
                with self._cond:
                    self._cond.wait_for(lambda: generation != self._generation or self._closed,
                                        s.webhook_retry_delay * attempt)
                    if generation != self._generation or self._closed:
                        return
