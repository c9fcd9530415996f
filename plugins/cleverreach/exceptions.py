"""Typed errors of the CleverReach integration.

Callers branch on the type (retry, refresh the token, record a rejection, fail the tenant), so every
HTTP failure mode has its own class. Messages never carry response bodies: CleverReach bodies can hold
recipients' personal data. Only the status, CleverReach's short error message (with e-mail addresses
redacted) and the request's method and path appear.
"""

from __future__ import annotations

import re

from airflow.sdk.exceptions import AirflowException

_EMAIL_RE = re.compile(r"[^\s'\"/<>@,?&=]+(?:@|%40)[^\s'\"/<>@,&]+", re.IGNORECASE)
_QUERY_RE = re.compile(r"\?[^\s'\")]*")


def redact_emails(text: str) -> str:
    """Replace anything that looks like an e-mail address (also URL-encoded), so messages can be logged."""
    return _EMAIL_RE.sub("<email>", text)


def redact_urls(text: str) -> str:
    """Drop query strings (``email_list=...``) and e-mail addresses: for transport errors that quote URLs."""
    return redact_emails(_QUERY_RE.sub("?…", text))


class CleverReachError(AirflowException):
    """Any failure talking to CleverReach."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(redact_emails(message))
        self.status = status


class CleverReachConfigError(CleverReachError):
    """The Airflow connection is incomplete or unsafe (missing client id, plain HTTP to a remote host)."""


class CleverReachAuthError(CleverReachError):
    """401: bad client credentials, or a token that stays refused after one renewal."""


class CleverReachForbiddenError(CleverReachAuthError):
    """403: the login is fine, but the account's licence has no room or the app lacks a permission."""


class CleverReachNotFoundError(CleverReachError):
    """404: unknown id, or an id that belongs to another CleverReach account."""


class CleverReachValidationError(CleverReachError):
    """400: CleverReach refused the request's parameters or payload."""


class CleverReachConflictError(CleverReachError):
    """409: the object (for example a global attribute) already exists."""


class CleverReachBatchTooLargeError(CleverReachError):
    """413: the bulk payload holds more receivers than CleverReach accepts in one call."""


class CleverReachRateLimitError(CleverReachError):
    """429: too many requests. ``retry_after`` holds the server's Retry-After in seconds, if sent."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class CleverReachServerError(CleverReachError):
    """5xx, or a gateway page that is not JSON: transient, worth retrying."""


class CleverReachConnectionError(CleverReachError):
    """No answer: connection refused or reset, DNS, or a timeout (transient); or a TLS failure (not)."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class CleverReachDeadlineError(CleverReachError):
    """One API call (its retries and token renewal included) did not succeed within ``call_deadline``."""


class CleverReachResponseError(CleverReachError):
    """A 2xx answer that does not have the shape the API documents (not JSON, misaligned results)."""


class CleverReachResponseTooLargeError(CleverReachResponseError):
    """An answer larger than the connection's ``max_response_bytes``; refused while streaming, never read whole."""


class MassRemovalError(AirflowException):
    """A sync plan removes more receivers than the guard allows; nothing was written."""


class TenantNotFoundError(AirflowException):
    """The tenant named in the params does not exist or is inactive."""


class TenantIsolationError(AirflowException):
    """Two tenants would act on one CleverReach connection or account; the tenant is refused."""


class RecipientListError(AirflowException):
    """The list named in the params does not exist or belongs to another tenant."""


class SyncInProgressError(AirflowException):
    """Another sync of the same list holds the lease (a running ``sync_run``)."""


class LeaseLostError(SyncInProgressError):
    """This attempt's lease was taken over by a newer attempt: it must neither write nor finish its run."""


class GroupGoneError(AirflowException):
    """The list's CleverReach group no longer exists; the list was marked, nothing else changed."""
