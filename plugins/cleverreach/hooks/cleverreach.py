"""Hook for the CleverReach REST API v3.

The hook owns everything that touches the wire: the OAuth client-credentials token (cached, masked,
renewed once on a 401), bounded retries with exponential backoff that honour ``Retry-After``, typed
errors, pagination and the batch writer. Operators and the sync logic only see Python objects.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests
from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from cleverreach import __version__
from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachBatchTooLargeError,
    CleverReachConfigError,
    CleverReachConflictError,
    CleverReachError,
    CleverReachNotFoundError,
    CleverReachRateLimitError,
    CleverReachResponseError,
    CleverReachServerError,
    CleverReachValidationError,
    redact_emails,
)

log = logging.getLogger(__name__)

DEFAULT_API_ROOT = "https://rest.cleverreach.com"
MAX_BATCH_SIZE = 1000  # CleverReach answers 413 above this
MAX_PAGE_SIZE = 5000  # group receivers
MAX_REPORT_PAGE_SIZE = 100  # report receivers
TOKEN_EXPIRY_MARGIN = 60.0  # renew this many seconds before the token runs out
REPORT_STATES = ("sent", "opened", "notopened", "clicked", "notclicked", "bounced", "unsubscribed")


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class CleverReachSettings:
    """The connection's extras, validated. Defaults follow the API's documented limits."""

    ext_id_attribute: str = "ext_id"
    timeout: float = 60.0
    batch_size: int = MAX_BATCH_SIZE
    page_size: int = MAX_PAGE_SIZE
    removal_mode: str = "delete"
    mass_removal_min: int = 10
    mass_removal_share: float = 0.2
    retry_attempts: int = 6
    retry_initial_wait: float = 0.5
    retry_max_wait: float = 60.0
    history_reread_days: int = 14
    alert_rejected_share: float = 0.1
    alert_removal_factor: float = 3.0

    @classmethod
    def from_extras(cls, extras: dict[str, Any]) -> CleverReachSettings:
        def pick(name: str, cast: type, default: Any) -> Any:
            value = extras.get(name, extras.get(f"extra__cleverreach__{name}"))
            if value in (None, ""):
                return default
            try:
                return cast(value)
            except (TypeError, ValueError):
                raise CleverReachConfigError(f"connection extra {name!r} must be a {cast.__name__}, got {value!r}")

        settings = cls(
            ext_id_attribute=pick("ext_id_attribute", str, cls.ext_id_attribute).strip().lower(),
            timeout=pick("timeout", float, cls.timeout),
            batch_size=pick("batch_size", int, cls.batch_size),
            page_size=pick("page_size", int, cls.page_size),
            removal_mode=pick("removal_mode", str, cls.removal_mode),
            mass_removal_min=pick("mass_removal_min", int, cls.mass_removal_min),
            mass_removal_share=pick("mass_removal_share", float, cls.mass_removal_share),
            retry_attempts=pick("retry_attempts", int, cls.retry_attempts),
            retry_initial_wait=pick("retry_initial_wait", float, cls.retry_initial_wait),
            retry_max_wait=pick("retry_max_wait", float, cls.retry_max_wait),
            history_reread_days=pick("history_reread_days", int, cls.history_reread_days),
            alert_rejected_share=pick("alert_rejected_share", float, cls.alert_rejected_share),
            alert_removal_factor=pick("alert_removal_factor", float, cls.alert_removal_factor),
        )
        if not 1 <= settings.batch_size <= MAX_BATCH_SIZE:
            raise CleverReachConfigError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        if not 1 <= settings.page_size <= MAX_PAGE_SIZE:
            raise CleverReachConfigError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if settings.removal_mode not in ("delete", "deactivate"):
            raise CleverReachConfigError("removal_mode must be 'delete' or 'deactivate'")
        if not 0 <= settings.mass_removal_share <= 1:
            raise CleverReachConfigError("mass_removal_share must be between 0 and 1")
        if not 1 <= settings.retry_attempts <= 20:
            raise CleverReachConfigError("retry_attempts must be between 1 and 20")
        return settings


@dataclass
class ItemResult:
    """CleverReach's answer for one receiver of a bulk call."""

    key: str  # the e-mail (or id) as sent
    ok: bool
    status: str = ""  # "insert success", "update success", "success"
    receiver_id: str | None = None
    error: str | None = None


@dataclass
class BatchResult:
    """One bulk call: which batch of how many, and the per-item results aligned with the input."""

    index: int
    total: int
    items: list[ItemResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if not item.ok]


class _WaitRetryAfter:
    """Wait strategy: the server's Retry-After when it sent one, else exponential backoff with jitter."""

    def __init__(self, max_wait: float, initial: float) -> None:
        self.max_wait = max_wait
        self.backoff = wait_exponential_jitter(initial=initial, max=max_wait, jitter=initial)

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, CleverReachRateLimitError) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self.max_wait)
        return self.backoff(retry_state)


def _is_transient(exc: BaseException) -> bool:
    return isinstance(
        exc, (CleverReachRateLimitError, CleverReachServerError, requests.ConnectionError, requests.Timeout)
    )


class CleverReachHook(BaseHook):
    """
    Talks to one tenant's CleverReach account.

    :param cleverreach_conn_id: Airflow connection of type ``cleverreach``: login = OAuth client id,
        password = client secret, host = API root (default https://rest.cleverreach.com).
    :param max_attempts: attempts per request for transient failures (429, 5xx, connection errors);
        default: the connection extra ``retry_attempts`` (6).
    :param max_wait: upper bound in seconds for one backoff or Retry-After wait (extra ``retry_max_wait``, 60).
    :param initial_wait: first backoff in seconds, doubling on each retry (extra ``retry_initial_wait``, 0.5).
    """

    conn_name_attr = "cleverreach_conn_id"
    default_conn_name = "cleverreach_default"
    conn_type = "cleverreach"
    hook_name = "CleverReach"

    def __init__(
        self,
        cleverreach_conn_id: str = default_conn_name,
        *,
        max_attempts: int | None = None,
        max_wait: float | None = None,
        initial_wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cleverreach_conn_id = cleverreach_conn_id
        self._max_attempts = max_attempts
        self._max_wait = max_wait
        self._initial_wait = initial_wait
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._batch_size_cap: int | None = None  # lowered after a 413

    # ------------------------------------------------------------------ connection and session
    @cached_property
    def connection(self):
        conn = self.get_connection(self.cleverreach_conn_id)
        if not conn.login or not conn.password:
            raise CleverReachConfigError(
                f"connection {self.cleverreach_conn_id!r} needs the OAuth client id (login) and client secret (password)"
            )
        mask_secret(conn.password)
        return conn

    @cached_property
    def settings(self) -> CleverReachSettings:
        return CleverReachSettings.from_extras(self.connection.extra_dejson or {})

    @cached_property
    def api_root(self) -> str:
        """``scheme://host[:port]`` of the API; plain HTTP is refused unless the host is loopback."""
        raw = (self.connection.host or DEFAULT_API_ROOT).strip().rstrip("/")
        if "://" not in raw:
            raw = f"https://{raw}"
        parts = urlsplit(raw)
        if self.connection.port and not parts.port:
            raw = f"{parts.scheme}://{parts.hostname}:{self.connection.port}{parts.path}"
            parts = urlsplit(raw)
        if parts.scheme not in ("http", "https"):
            raise CleverReachConfigError(f"API root of {self.cleverreach_conn_id!r} must be an http(s) URL")
        if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
            raise CleverReachConfigError(
                f"connection {self.cleverreach_conn_id!r}: plain HTTP is only allowed to a loopback host; use https"
            )
        return raw

    @property
    def base_url(self) -> str:
        return f"{self.api_root}/v3"

    @cached_property
    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(
            {"Accept": "application/json", "User-Agent": f"airflow-provider-cleverreach/{__version__}"}
        )
        # TLS verification is always on: nothing in the connection can switch it off.
        session.verify = True
        session.trust_env = False
        return session

    def get_conn(self) -> requests.Session:
        return self.session

    @property
    def max_attempts(self) -> int:
        return self._max_attempts or self.settings.retry_attempts

    @max_attempts.setter
    def max_attempts(self, value: int) -> None:
        self._max_attempts = value

    @property
    def max_wait(self) -> float:
        return self._max_wait if self._max_wait is not None else self.settings.retry_max_wait

    @property
    def initial_wait(self) -> float:
        return self._initial_wait if self._initial_wait is not None else self.settings.retry_initial_wait

    # ------------------------------------------------------------------ token
    def _fetch_token(self) -> str:
        conn = self.connection
        url = f"{self.api_root}/oauth/token.php"

        def call() -> requests.Response:
            response = self.session.post(
                url,
                data={"grant_type": "client_credentials"},
                auth=(conn.login, conn.password),
                timeout=self.settings.timeout,
            )
            if response.status_code == 429:
                raise CleverReachRateLimitError(
                    "CleverReach token endpoint rate limited", retry_after=_retry_after(response)
                )
            if response.status_code >= 500:
                raise CleverReachServerError(
                    f"CleverReach token endpoint answered HTTP {response.status_code}", status=response.status_code
                )
            return response

        response = self._retrying()(call)
        body = _json_or_none(response)
        if response.status_code in (400, 401, 403) or not isinstance(body, dict) or "access_token" not in body:
            reason = body.get("error") if isinstance(body, dict) else None
            raise CleverReachAuthError(
                f"CleverReach rejected the client credentials of connection {self.cleverreach_conn_id!r} "
                f"(HTTP {response.status_code}{', ' + str(reason) if reason else ''})",
                status=response.status_code,
            )
        token = str(body["access_token"])
        mask_secret(token)
        expires_in = float(body.get("expires_in") or 3600)
        self._token = token
        self._token_expires_at = time.monotonic() + max(expires_in - TOKEN_EXPIRY_MARGIN, 0.0)
        self.log.info("Obtained a CleverReach access token for %s (valid %d s)", self.cleverreach_conn_id, expires_in)
        return token

    def get_token(self) -> str:
        """The cached access token, fetched anew shortly before it expires."""
        if self._token is None or time.monotonic() >= self._token_expires_at:
            self._fetch_token()
        assert self._token is not None
        return self._token

    def invalidate_token(self) -> None:
        self._token = None
        self._token_expires_at = 0.0

    # ------------------------------------------------------------------ requests
    def _retrying(self) -> Retrying:
        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self.log.warning(
                "CleverReach call failed (%s); retry %d of %d in %.1f s",
                type(exc).__name__ if exc else "?",
                state.attempt_number,
                self.max_attempts - 1,
                state.next_action.sleep if state.next_action else 0.0,
            )

        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_WaitRetryAfter(self.max_wait, self.initial_wait),
            retry=retry_if_exception(_is_transient),
            before_sleep=before_sleep,
            reraise=True,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """
        Call ``/v3/<path>`` and return the decoded JSON body.

        Transient failures are retried with backoff; a 401 fetches a new token once and repeats the
        call (tokens can be revoked before they expire). Errors are raised as typed exceptions.
        """
        path = path.lstrip("/")
        url = f"{self.base_url}/{path}"
        label = redact_emails(f"{method} /v3/{path}")

        def call() -> Any:
            headers = {"Authorization": f"Bearer {self.get_token()}"}
            response = self.session.request(
                method, url, params=params, json=json, headers=headers, timeout=self.settings.timeout
            )
            return _decode(response, label)

        retrying = self._retrying()
        try:
            return retrying(call)
        except CleverReachAuthError as exc:
            if exc.status != 401:
                raise
            self.log.info("CleverReach refused the token for %s; fetching a new one", self.cleverreach_conn_id)
            self.invalidate_token()
            return self._retrying()(call)

    # ------------------------------------------------------------------ pagination and batches
    def iter_pages(
        self, path: str, *, params: dict[str, Any] | None = None, page_size: int, max_pages: int = 100_000
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of a list endpoint: ``page`` from 0, stop on a short or empty page."""
        for page in range(max_pages):
            body = self.request("GET", path, params={**(params or {}), "page": page, "pagesize": page_size})
            if body in (None, False, "false"):
                return
            if not isinstance(body, list):
                raise CleverReachResponseError(f"GET /v3/{path}: expected a list page, got {type(body).__name__}")
            if body:
                yield body
            if len(body) < page_size:
                return
        raise CleverReachResponseError(f"GET /v3/{path}: more than {max_pages} pages; stopping")

    def write_batches(
        self,
        path: str,
        items: Sequence[Any],
        *,
        keys: Sequence[str],
        parse: str = "aligned",
        method: str = "POST",
    ) -> Iterator[BatchResult]:
        """
        Send ``items`` to a bulk endpoint in batches and yield per-item results after each batch.

        Batches hold at most ``batch_size`` items (1000 by default); a 413 halves the batch and lowers
        the cap for the rest of the run. ``keys`` names each item (its e-mail) for the results.
        ``parse`` is ``aligned`` (a result per input item, objects or error strings) or ``receivers``
        (upsertplus: full receiver objects for the successful items only).
        """
        if len(items) != len(keys):
            raise ValueError("items and keys must have the same length")
        size = min(self.settings.batch_size, self._batch_size_cap or MAX_BATCH_SIZE)
        starts = list(range(0, len(items), size))
        for index, start in enumerate(starts, start=1):
            chunk, chunk_keys = list(items[start : start + size]), list(keys[start : start + size])
            results = self._write_chunk(method, path, chunk, chunk_keys, parse)
            yield BatchResult(index=index, total=len(starts), items=results)

    def _write_chunk(
        self, method: str, path: str, chunk: list[Any], keys: list[str], parse: str
    ) -> list[ItemResult]:
        try:
            body = self.request(method, path, json=chunk)
        except CleverReachBatchTooLargeError:
            if len(chunk) == 1:
                raise
            half = len(chunk) // 2
            self._batch_size_cap = min(self._batch_size_cap or MAX_BATCH_SIZE, half)
            self.log.warning("CleverReach refused a batch of %d (413); splitting into halves", len(chunk))
            return self._write_chunk(method, path, chunk[:half], keys[:half], parse) + self._write_chunk(
                method, path, chunk[half:], keys[half:], parse
            )
        if parse == "receivers":
            return parse_receiver_results(keys, body)
        return parse_aligned_results(keys, body, label=f"{method} /v3/{path}")

    # ------------------------------------------------------------------ API operations
    def validate_login(self) -> bool:
        """Check the credentials and the token with the cheapest authenticated call."""
        return self.request("GET", "debug/validate") is not False

    def whoami(self) -> dict[str, Any]:
        return self.request("GET", "debug/whoami")

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's Test button (where ``[core] test_connection`` is enabled)."""
        try:
            self.validate_login()
        except CleverReachError as exc:
            return False, str(exc)
        except Exception as exc:  # the UI shows the message; nothing is raised there
            return False, f"{type(exc).__name__}: {redact_emails(str(exc))}"
        return True, f"Connection to CleverReach at {self.api_root} is valid"

    def list_groups(self) -> list[dict[str, Any]]:
        body = self.request("GET", "groups")
        if not isinstance(body, list):
            raise CleverReachResponseError("GET /v3/groups: expected a list")
        return body

    def get_group(self, group_id: str) -> dict[str, Any]:
        return self.request("GET", f"groups/{group_id}")

    def group_stats(self, group_id: str) -> dict[str, Any]:
        return self.request("GET", f"groups/{group_id}/stats")

    def iter_receivers(
        self, group_id: str, *, receiver_type: str = "all", detail: int = 0, page_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of a group's receivers (bare arrays; 5000 per page by default)."""
        return self.iter_pages(
            f"groups/{group_id}/receivers",
            params={"type": receiver_type, "detail": detail},
            page_size=page_size or self.settings.page_size,
        )

    def list_global_attributes(self) -> list[dict[str, Any]]:
        body = self.request("GET", "attributes", params={"group_id": 0})
        return body if isinstance(body, list) else []

    def ensure_global_attributes(self, wanted: dict[str, str]) -> list[str]:
        """
        Create the global attributes (name → description) that do not exist yet; return the created names.

        A 409 means somebody created it meanwhile, which is fine. The create response has been cut
        down by CleverReach (about 2023), so existence is checked by listing, not from that answer.
        """
        existing = {str(attr.get("name", "")).lower() for attr in self.list_global_attributes()}
        created: list[str] = []
        for name, description in wanted.items():
            if name.lower() in existing:
                continue
            try:
                self.request(
                    "POST",
                    "attributes",
                    json={"name": name, "type": "text", "description": description, "preview_value": "", "default_value": ""},
                )
                created.append(name)
            except CleverReachConflictError:
                pass
        return created

    def upsert_receivers(
        self, group_id: str, receivers: Sequence[dict[str, Any]]
    ) -> Iterator[BatchResult]:
        """Insert or update receivers (matched by e-mail) in batches; yields per-item results."""
        return self.write_batches(
            f"groups/{group_id}/receivers/upsert", receivers, keys=[str(r.get("email", "")) for r in receivers]
        )

    def delete_receivers(self, group_id: str, emails: Sequence[str]) -> Iterator[BatchResult]:
        """Remove receivers from a group in batches through the bulk delete endpoint."""
        return self.write_batches(f"groups/{group_id}/receivers/delete", list(emails), keys=list(emails))

    def list_mailings(
        self, *, state: str = "finished", start: int | None = None, end: int | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Mailings of one state; the API answers with an object keyed by state."""
        params: dict[str, Any] = {"state": state, "limit": limit}
        if start is not None and end is not None:  # the API takes them only together
            params.update(start=int(start), end=int(end))
        body = self.request("GET", "mailings", params=params)
        if isinstance(body, dict):
            return list(body.get(state) or [])
        if isinstance(body, list):
            return body
        raise CleverReachResponseError("GET /v3/mailings: expected an object keyed by state")

    def get_mailing(self, mailing_id: str) -> dict[str, Any]:
        return self.request("GET", f"mailings/{mailing_id}")

    def iter_report_receivers(
        self,
        mailing_id: str,
        state: str,
        *,
        detail: int = 1,
        page_size: int = MAX_REPORT_PAGE_SIZE,
        link_id: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of the receivers of one report state (sent, opened, clicked, bounced, unsubscribed...)."""
        if state not in REPORT_STATES:
            raise ValueError(f"unknown report state {state!r}")
        params: dict[str, Any] = {"detail": detail}
        if link_id:
            params["linkid"] = link_id
        return self.iter_pages(
            f"reports/{mailing_id}/receivers/{state}",
            params=params,
            page_size=min(page_size, MAX_REPORT_PAGE_SIZE),
        )


# ---------------------------------------------------------------------- response handling
def _json_or_none(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


_STATUS_ERRORS: dict[int, type[CleverReachError]] = {
    400: CleverReachValidationError,
    401: CleverReachAuthError,
    403: CleverReachAuthError,
    404: CleverReachNotFoundError,
    409: CleverReachConflictError,
    413: CleverReachBatchTooLargeError,
    429: CleverReachRateLimitError,
}


def _decode(response: requests.Response, label: str) -> Any:
    """Turn a response into its JSON body or a typed error; an ``error`` object fails even on 2xx."""
    status = response.status_code
    body = _json_or_none(response)
    message = ""
    if isinstance(body, dict) and "error" in body:
        error = body["error"]
        code = None
        if isinstance(error, dict):
            try:
                code = int(error.get("code"))
            except (TypeError, ValueError):
                code = None
            message = str(error.get("message") or "")
        else:
            message = str(body.get("error_description") or error)
        if code is not None and code >= 400:  # CleverReach's own code wins over the HTTP status
            status = code
        elif status < 400:
            raise CleverReachResponseError(
                f"CleverReach {label}: error object in an HTTP {status} answer: {message[:200]}", status=status
            )
    elif status < 400:
        if body is None and response.content:
            ctype = response.headers.get("Content-Type", "?").split(";")[0]
            raise CleverReachResponseError(f"{label}: HTTP {status} with a non-JSON body ({ctype})", status=status)
        return body

    text = f"CleverReach {label} failed: HTTP {status}" + (f" {message[:200]}" if message else "")
    if status == 429:
        raise CleverReachRateLimitError(text, status=status, retry_after=_retry_after(response))
    if status >= 500 or (body is None and status not in _STATUS_ERRORS):
        raise CleverReachServerError(text, status=status)
    raise _STATUS_ERRORS.get(status, CleverReachError)(text, status=status)


def parse_aligned_results(keys: Sequence[str], body: Any, *, label: str = "bulk call") -> list[ItemResult]:
    """Per-item results of upsert/insert/delete: an array aligned with the input, objects or error strings."""
    if not isinstance(body, list) or len(body) != len(keys):
        got = len(body) if isinstance(body, list) else type(body).__name__
        raise CleverReachResponseError(f"{label}: expected {len(keys)} per-item results, got {got}")
    results: list[ItemResult] = []
    for key, item in zip(keys, body):
        if isinstance(item, dict) and "error" not in item:
            status = str(item.get("status", "success"))
            ok = "success" in status
            rid = item.get("id")
            results.append(
                ItemResult(key, ok, status, str(rid) if rid is not None else None, None if ok else status)
            )
        elif isinstance(item, dict):
            error = item["error"]
            text = error.get("message") if isinstance(error, dict) else error
            results.append(ItemResult(key, False, error=str(text)))
        else:
            results.append(ItemResult(key, False, error=str(item).strip()))
    return results


def parse_receiver_results(keys: Sequence[str], body: Any) -> list[ItemResult]:
    """upsertplus answers with full receiver objects for the successful items only."""
    if not isinstance(body, list):
        raise CleverReachResponseError("upsertplus: expected a list of receivers")
    by_email = {str(r.get("email", "")).strip().lower(): r for r in body if isinstance(r, dict)}
    results = []
    for key in keys:
        receiver = by_email.get(key.strip().lower())
        if receiver is None:
            results.append(ItemResult(key, False, error="not accepted by CleverReach (missing from upsertplus answer)"))
        else:
            results.append(ItemResult(key, True, "success", str(receiver.get("id"))))
    return results

