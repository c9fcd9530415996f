"""Time: stored as timezone-aware UTC, shown in the tenant's time zone.

Every timestamp the integration writes is an aware UTC ``datetime`` (PostgreSQL columns are ``timestamp with time
zone`` and every session runs in UTC, so a CRM column ``without time zone`` receives UTC too; SQLite stores the
ISO text with its ``+00:00``). What comes back is normalised by :func:`as_utc`: a CRM that stores naive times
stores them in UTC (the adapter's contract), text is parsed. People read times in their tenant's zone (the
CRM's ``tenant.time_zone``, default Europe/Berlin): summaries, the history and the CleverReach page.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Europe/Berlin"


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: Any) -> datetime | None:
    """A stored or read timestamp as aware UTC: naive counts as UTC, text is ISO 8601; None and unreadable
    text give None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        if value != value:  # NaT
            return None
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def from_unix(seconds: int | float) -> datetime:
    """A CleverReach Unix time as aware UTC."""
    return datetime.fromtimestamp(seconds, UTC)


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The tenant's zone; an empty or unknown name falls back to Europe/Berlin (logged once per name), because a
    typo in the CRM must not stop a sync: it only changes how times are shown."""
    if name:
        try:
            return ZoneInfo(str(name).strip())
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("Unknown time zone %r in the CRM's tenant row; showing times in %s", name, DEFAULT_TIME_ZONE)
    return ZoneInfo(DEFAULT_TIME_ZONE)


def local_text(value: Any, tz: ZoneInfo) -> str | None:
    """A timestamp as a person reads it in ``tz``: ``2026-11-30 04:12:03 CET``."""
    moment = as_utc(value)
    return None if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def local_iso(value: Any, tz: ZoneInfo) -> str | None:
    """A timestamp in ``tz`` as ISO 8601 with its offset, for the page's API (the browser shows it as sent)."""
    moment = as_utc(value)
    return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")
