"""The typed errors: their messages can be logged (no e-mail address, no query string), their fields hold
what the callers branch on."""

from __future__ import annotations

import pytest

from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachConnectionError,
    CleverReachError,
    CleverReachForbiddenError,
    CleverReachRateLimitError,
    CleverReachResponseError,
    CleverReachResponseTooLargeError,
    LeaseLostError,
    SyncInProgressError,
    redact_emails,
    redact_urls,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("receiver anna.b@example.org not found", "receiver <email> not found"),
    ("GET /v3/receivers/anna%40example.org failed", "GET /v3/receivers/<email> failed"),
    ("'x@y.example', \"z@w.example\"", "'<email>', \"<email>\""),
    ("no address here", "no address here"),
])
def test_redact_emails(text, expected):
    assert redact_emails(text) == expected


def test_redact_urls_drops_the_query_and_addresses():
    text = "HTTPSConnectionPool: /v3/receivers.json?email_list=a@example.org&token=t (Caused by timeout)"
    assert redact_urls(text) == "HTTPSConnectionPool: /v3/receivers.json?… (Caused by timeout)"


def test_a_cleverreach_error_message_never_carries_an_address():
    error = CleverReachError("409 for anna@example.org", status=409)
    assert str(error) == "409 for <email>" and error.status == 409


def test_rate_limit_keeps_retry_after_and_defaults_to_429():
    error = CleverReachRateLimitError("slow down", retry_after=2.5)
    assert (error.status, error.retry_after) == (429, 2.5)


def test_connection_error_is_transient_unless_said_otherwise():
    assert CleverReachConnectionError("reset").transient is True
    assert CleverReachConnectionError("TLS", transient=False).transient is False


@pytest.mark.parametrize(("error", "base"), [
    (CleverReachForbiddenError, CleverReachAuthError),
    (CleverReachResponseTooLargeError, CleverReachResponseError),
    (LeaseLostError, SyncInProgressError),
])
def test_callers_catch_the_broader_class(error, base):
    """The hierarchy callers rely on: a 403 is an auth failure, a lost lease is a sync in progress."""
    assert issubclass(error, base)
