"""CleverReach's answers turned into Python values or typed errors, and per-item results of bulk calls.

Bodies are never logged and never copied into messages: they can hold recipients' personal data.
A message carries the status, the request's method and path, and CleverReach's short error text with
e-mail addresses redacted.
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import msgspec
import requests

from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachBatchTooLargeError,
    CleverReachConflictError,
    CleverReachError,
    CleverReachForbiddenError,
    CleverReachNotFoundError,
    CleverReachRateLimitError,
    CleverReachResponseError,
    CleverReachResponseTooLargeError,
    CleverReachServerError,
    CleverReachValidationError,
)

#: Per-item statuses that mean "written". Anything else (``unsuccessful``, ``error``, ...) is a failure.
SUCCESS_STATUSES = frozenset({"success", "insert success", "update success", "upsert success"})
#: The longest ``Retry-After`` taken at its word; beyond it (or malformed) the hook's own backoff applies.
MAX_RETRY_AFTER = 3600.0
FORBIDDEN_MESSAGE = "forbidden: licence limit or missing permission"

_STATUS_ERRORS: dict[int, type[CleverReachError]] = {
    400: CleverReachValidationError,
    401: CleverReachAuthError,
    403: CleverReachForbiddenError,
    404: CleverReachNotFoundError,
    409: CleverReachConflictError,
    413: CleverReachBatchTooLargeError,
    429: CleverReachRateLimitError,
}


class ReceiverRow(msgspec.Struct, frozen=True, gc=False):
    """The fields of a listed receiver that a sync reads (``sync.actual``); the rest of CleverReach's object
    (a score of fields per receiver) is skipped while decoding, never built: a million receivers are read
    in a fraction of the time and memory of dicts. Values are as sent (no conversion)."""

    id: Any = None
    email: Any = None
    activated: Any = None
    deactivated: Any = None
    bounced: Any = None
    global_attributes: Any = None


#: a page of receivers as :class:`ReceiverRow` (``json_or_none(..., rows=...)``)
RECEIVER_PAGE = msgspec.json.Decoder(list[ReceiverRow])


@dataclass
class ItemResult:
    """CleverReach's answer for one item of a bulk call."""

    key: str  # the e-mail (insert, upsert) or receiver id (delete) as sent
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


def read_capped(response: requests.Response, limit: int, label: str) -> requests.Response:
    """Read a streamed (``stream=True``) body into ``response.content``, refusing it above ``limit`` bytes.

    A declared ``Content-Length`` above the cap is refused before reading; otherwise the body is read in
    chunks (decoded, so a compressed bomb counts at its real size) and dropped as soon as it passes the cap.
    """
    try:
        declared = int(response.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        response.close()
        raise CleverReachResponseTooLargeError(
            f"CleverReach {label}: answer of {declared} bytes refused (limit {limit} bytes)", status=response.status_code
        )
    if response._content is not False:  # noqa: SLF001 - read already (a transport adapter that does not stream)
        if len(response._content or b"") > limit:  # noqa: SLF001
            raise CleverReachResponseTooLargeError(
                f"CleverReach {label}: answer refused at more than {limit} bytes (limit)", status=response.status_code
            )
        return response
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > limit:
            response.close()
            raise CleverReachResponseTooLargeError(
                f"CleverReach {label}: answer refused at more than {limit} bytes (limit)", status=response.status_code
            )
        chunks.append(chunk)
    response._content = b"".join(chunks)  # noqa: SLF001 - what requests does when it reads the body itself
    response._content_consumed = True  # noqa: SLF001
    response.close()  # back to the pool: the body is read
    return response


def json_or_none(response: requests.Response, rows: msgspec.json.Decoder | None = None) -> Any:
    """The decoded body, None when empty or not JSON. ``msgspec`` decodes UTF-8 JSON in half the time of
    ``json`` (a page of 5,000 receivers is 2 MB); whatever it refuses (another encoding, ``NaN``, lone
    surrogates) goes through ``requests`` and ``json`` as before, so the values are the same.

    ``rows`` (such as :data:`RECEIVER_PAGE`) decodes a list of objects into typed rows; a body it does not fit
    (an error object, ``false``, an item that is no object) is decoded as plain JSON instead."""
    if not response.content:
        return None
    if rows is not None:
        try:
            return rows.decode(response.content)
        except ValueError:  # msgspec.ValidationError and DecodeError are ValueErrors
            pass
    try:
        return msgspec.json.decode(response.content)
    except ValueError:  # msgspec.DecodeError is a ValueError
        pass
    try:
        return response.json()
    except ValueError:
        return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay seconds or an HTTP date), or None for "use our own
    backoff". None also for anything malformed or absurd: ``nan``, ``inf``, negative, above
    :data:`MAX_RETRY_AFTER`, a date in the past or further ahead than that (a NaN wait crashed the sleep)."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=datetime.UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
        if seconds <= 0:
            return None
    if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_RETRY_AFTER:
        return None
    return seconds


def retry_after(response: requests.Response) -> float | None:
    """The server's ``Retry-After`` in seconds; None (our own backoff) when absent, malformed or absurd."""
    return parse_retry_after(response.headers.get("Retry-After"))


def error_for_status(status: int, label: str, message: str = "", *, wait: float | None = None) -> CleverReachError:
    """The typed error of an HTTP status; 403 says what it usually means, not "bad credentials"."""
    if status == 403:
        text = f"CleverReach {label}: HTTP 403 {FORBIDDEN_MESSAGE}"
    else:
        text = f"CleverReach {label} failed: HTTP {status}" + (f" {message[:200]}" if message else "")
    if status == 429:
        return CleverReachRateLimitError(text, status=status, retry_after=wait)
    if status >= 500:
        return CleverReachServerError(text, status=status)
    return _STATUS_ERRORS.get(status, CleverReachError)(text, status=status)


def decode(response: requests.Response, label: str, rows: msgspec.json.Decoder | None = None) -> Any:
    """The JSON body of a response (``rows``: see :func:`json_or_none`), or a typed error; an ``error`` object
    fails even on 2xx."""
    status = response.status_code
    body = json_or_none(response, rows)
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
            raise CleverReachResponseError(f"CleverReach {label}: HTTP {status} with a non-JSON body ({ctype})", status=status)
        return body
    if body is None and status not in _STATUS_ERRORS and status < 500:  # a gateway's HTML page: transient
        raise CleverReachServerError(f"CleverReach {label} failed: HTTP {status} (not JSON)", status=status)
    raise error_for_status(status, label, message, wait=retry_after(response))


def is_success_status(status: Any) -> bool:
    return isinstance(status, str) and status.strip().lower() in SUCCESS_STATUSES


def parse_aligned_results(keys: Sequence[str], body: Any, *, label: str = "bulk call") -> list[ItemResult]:
    """Per-item results of insert/upsert/delete: an array aligned with the input, objects or error strings.

    Only the known success forms count as written; ``"success" in status`` would accept ``unsuccessful``.
    """
    if not isinstance(body, list) or len(body) != len(keys):
        got = len(body) if isinstance(body, list) else type(body).__name__
        raise CleverReachResponseError(f"{label}: expected {len(keys)} per-item results, got {got}")
    results: list[ItemResult] = []
    for key, item in zip(keys, body):
        if isinstance(item, dict) and "error" not in item:
            status = item.get("status")
            rid = item.get("id")
            ok = is_success_status(status)
            text = str(status).strip() if status is not None else ""
            error = None if ok else (f"status {text!r}" if text else "no status in CleverReach's answer")
            results.append(ItemResult(key, ok, text, str(rid) if rid is not None else None, error))
        elif isinstance(item, dict):
            error = item["error"]
            text = error.get("message") if isinstance(error, dict) else error
            results.append(ItemResult(key, False, error=str(text)))
        elif is_success_status(item):
            results.append(ItemResult(key, True, str(item).strip()))
        else:
            results.append(ItemResult(key, False, error=str(item).strip()))
    return results

