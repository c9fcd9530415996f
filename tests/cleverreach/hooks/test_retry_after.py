"""``Retry-After`` taken at its word only when it is sane; anything else means the hook's own backoff (issue 18)."""

from __future__ import annotations

import datetime
import time
from email.utils import format_datetime

import pytest

from cleverreach.hooks.responses import MAX_RETRY_AFTER, parse_retry_after

NOW = 1_800_000_000.0


def _http_date(offset: float) -> str:
    return format_datetime(datetime.datetime.fromtimestamp(NOW + offset, datetime.UTC), usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), (" 0 ", 0.0), ("1.5", 1.5), (_http_date(30), 30.0), (str(MAX_RETRY_AFTER), MAX_RETRY_AFTER)],
)
def test_retry_after_sane_values_are_taken(value, seconds):
    assert parse_retry_after(value, now=NOW) == pytest.approx(seconds, abs=1)


@pytest.mark.parametrize(
    "value",
    ["nan", "NaN", "inf", "-inf", "infinity", "-5", "1e12", str(MAX_RETRY_AFTER + 1), "", "soon",
     _http_date(-60), _http_date(10 * 365 * 86400), "Mon, 99 Foo 2026 99:99:99 GMT"],
)
def test_retry_after_malformed_or_absurd_values_fall_back_to_the_backoff(value):
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "1e12", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 01 Jan 9999 00:00:00 GMT"])
def test_retry_after_absurd_header_retries_with_the_bounded_backoff(hook, emulator, value):
    """Before issue 18: ``nan`` crashed the sleep (ValueError), ``inf``/``1e12`` ended the call at once."""
    hook.validate_login()
    emulator.client.set_faults(next=[{"status": 429, "count": 2, "retry_after": value, "path_regex": "^/v3/groups"}])
    started = time.monotonic()
    assert len(hook.list_groups()) == 1
    assert time.monotonic() - started < 2.0  # FAST: the backoff is at most 0.2 s per retry
    statuses = [r["status"] for r in emulator.client.requests() if r["path"] == "/v3/groups"]
    assert statuses == [429, 429, 200]
