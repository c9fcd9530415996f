"""The hook's wire rules: Bearer auth, which failures are retried, how long to wait, when to give up.

One API call has one budget: ``retry_attempts`` tries and ``call_deadline`` seconds, token fetches and
the one token renewal after a 401 included. The token endpoint has no retry loop of its own, so
renewals nested in retries cannot multiply the attempts.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import math
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import requests
from requests.auth import AuthBase
from tenacity import RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from cleverreach.exceptions import (
    CleverReachConfigError,
    CleverReachConnectionError,
    CleverReachRateLimitError,
    CleverReachServerError,
    redact_urls,
)
from cleverreach.hooks.responses import read_capped

if TYPE_CHECKING:
    from logging import Logger

    from airflow.sdk import Connection
    from requests import PreparedRequest

    from cleverreach.hooks.settings import CleverReachSettings

DEFAULT_API_ROOT = "https://rest.cleverreach.com"
API_PATH = "v3"  # HttpHook's base URL is <API root>/v3; the token endpoint is <API root>/oauth/token.php


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def api_root_of(conn: Connection, conn_id: str) -> str:
    """``scheme://host[:port]`` of the API. Refused: a path (the hook adds /v3 and /oauth), plain HTTP off loopback."""
    raw = (conn.host or DEFAULT_API_ROOT).strip()
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CleverReachConfigError(f"connection {conn_id!r}: the API root must be an http(s) URL such as {DEFAULT_API_ROOT}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise CleverReachConfigError(
            f"connection {conn_id!r}: the API root must be scheme://host[:port] without a path "
            f"(got path {parts.path!r}); the hook adds /v3 and /oauth itself"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise CleverReachConfigError(
            f"connection {conn_id!r}: plain HTTP is only allowed to a loopback host; use https"
        )
    port = parts.port or conn.port
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def ca_bundle(settings: CleverReachSettings, conn_id: str) -> str | None:
    """The CA bundle named in the extras, if any; one that does not exist is refused (never "no verification")."""
    if settings.verify and not os.path.exists(settings.verify):
        raise CleverReachConfigError(f"connection {conn_id!r}: the CA bundle named in extra 'verify' does not exist")
    return settings.verify


def session_connection(conn: Connection, settings: CleverReachSettings, conn_id: str) -> Connection:
    """The connection as ``HttpHook.get_conn`` should read it, from the checked one.

    ``HttpHook`` takes host, schema and port as the base URL and the extras as send options, with every
    extra it does not know sent as an HTTP header. So it sees: the API's ``/v3`` root as host, and as
    extras only its own transport options, built from the validated settings: timeout, proxies, the CA
    bundle (verification stays on), streamed bodies (for the size cap), no proxy or CA bundle from the
    environment. No login or password: the session's auth is the Bearer token (``auth_type``); the client
    secret goes only into the token request.
    """
    from airflow.sdk import Connection

    extra = {
        "timeout": settings.timeout,
        "proxies": dict(settings.proxies or {}),
        "verify": ca_bundle(settings, conn_id) or True,
        "trust_env": False,
        "stream": True,
    }
    host = f"{api_root_of(conn, conn_id)}/{API_PATH}"
    return Connection(conn_id=conn.conn_id, conn_type=conn.conn_type, host=host, extra=json.dumps(extra))


def segment(value: object) -> str:
    """An id as one URL path segment: ``/``, ``?``, ``#``, ``%`` quoted, so an id such as ``../x`` or ``1/2`` cannot
    change the path. Refused: empty, ``.`` and ``..`` (dot segments that a client or server would resolve)."""
    text = str(value)
    if text.strip() in ("", ".", ".."):
        raise ValueError(f"not a CleverReach id: {text!r}")
    return quote(text, safe="")


def send_capped(
    session: requests.Session,
    request: PreparedRequest,
    *,
    timeout: float | None,
    allow_redirects: bool,
    limit: int,
    label: str,
) -> requests.Response:
    """Send as ``HttpHook.run_and_check`` does (the session's proxies, CA bundle and certificate), but streamed and
    read up to ``limit`` bytes; a transport failure becomes a typed error whose text carries no URL query."""
    environment = session.merge_environment_settings(
        request.url, proxies=session.proxies, stream=True, verify=session.verify, cert=session.cert
    )
    try:
        response = session.send(request, **{**environment, "timeout": timeout, "allow_redirects": allow_redirects})
        return read_capped(response, limit, label)
    except requests.exceptions.SSLError as exc:
        text = redact_urls(str(exc))[:300]
        raise CleverReachConnectionError(f"CleverReach {label}: TLS failed: {text}", transient=False) from None
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
        text = redact_urls(str(exc))[:300]
        raise CleverReachConnectionError(f"CleverReach {label}: {type(exc).__name__}: {text}") from None


class BearerTokenAuth(AuthBase):
    """Sets ``Authorization: Bearer`` from the hook's cached token; the client secret never passes here."""

    def __init__(self, token_source: Callable[[], str]) -> None:
        self.token_source = token_source

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token_source()}"
        return request


class TokenRenewal(Exception):
    """Internal: the API refused the token once; retry at once with a new one."""


def is_retryable(exception: BaseException) -> bool:
    """Retry 429, 5xx, connection and timeout errors (and the one token renewal); nothing else."""
    if isinstance(exception, (TokenRenewal, CleverReachRateLimitError, CleverReachServerError)):
        return True
    if isinstance(exception, CleverReachConnectionError):
        return exception.transient
    if isinstance(exception, requests.RequestException):
        if isinstance(exception, requests.exceptions.SSLError):
            return False
        if isinstance(exception, (requests.ConnectionError, requests.Timeout)):
            return True
        response = exception.response
        return response is not None and (response.status_code >= 500 or response.status_code == 429)
    return False


def default_retry_args(settings: CleverReachSettings) -> dict[str, Any]:
    """Tenacity arguments from the connection's extras (attempts, first wait, longest wait)."""
    return {
        "stop": stop_after_attempt(settings.retry_attempts),
        "wait": wait_exponential_jitter(
            initial=settings.retry_initial_wait, max=settings.retry_max_wait, jitter=settings.retry_initial_wait
        ),
        "retry": retry_if_exception(is_retryable),
        "reraise": True,
    }


def build_retry_args(retry_args: dict[str, Any] | None, settings: CleverReachSettings, log: Logger) -> dict[str, Any]:
    """Like the dbt Cloud hook: caller's arguments win, but the predicate, logging and reraise are ours."""
    args = copy.copy(retry_args) if retry_args else default_retry_args(settings)
    args.setdefault("stop", stop_after_attempt(settings.retry_attempts))
    args.setdefault("wait", default_retry_args(settings)["wait"])
    args["retry"] = retry_if_exception(is_retryable)
    args["reraise"] = True

    def log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TokenRenewal):
            log.info("CleverReach refused the access token; fetching a new one")
            return
        status = getattr(exc, "status", None)
        log.warning(
            "CleverReach call failed (%s%s); attempt %d, next in %.1f s",
            type(exc).__name__ if exc else "?",
            f", HTTP {status}" if status else "",
            state.attempt_number,
            state.next_action.sleep if state.next_action else 0.0,
        )

    args["before_sleep"] = log_retry
    args.pop("after", None)
    return args


class CallBudget:
    """One API call's deadline and its single token renewal, wrapped around the stop and wait strategies."""

    def __init__(self, deadline_seconds: float) -> None:
        self.seconds = deadline_seconds
        self.deadline = time.monotonic() + deadline_seconds
        self.renewed = False
        self.deadline_hit = False

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def request_timeout(self, timeout: float) -> float:
        """A single request never outlives the call's deadline."""
        remaining = self.remaining()
        if remaining <= 0:
            self.deadline_hit = True
            raise CleverReachConnectionError("call deadline reached before the request was sent", transient=False)
        return min(timeout, remaining)

    def renew(self) -> bool:
        """True the first time only: at most one renewal per call."""
        if self.renewed:
            return False
        self.renewed = True
        return True

    def stop(self, base: Callable[[RetryCallState], bool]) -> Callable[[RetryCallState], bool]:
        def stop(state: RetryCallState) -> bool:
            if time.monotonic() + state.upcoming_sleep >= self.deadline:
                self.deadline_hit = True
                return True
            exc = state.outcome.exception() if state.outcome else None
            return not isinstance(exc, TokenRenewal) and base(state)

        return stop

    def wait(self, base: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
        """The server's ``Retry-After`` wins over the backoff; a renewal retries at once."""

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, TokenRenewal):
                return 0.0
            wanted = exc.retry_after if isinstance(exc, CleverReachRateLimitError) else None
            if wanted is not None and math.isfinite(wanted) and wanted >= 0:  # parsed sane; never sleep(nan)
                return wanted
            return base(state)

        return wait
