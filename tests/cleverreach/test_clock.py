"""Time: every stored time is aware UTC, whatever shape it comes back in; people read it in their tenant's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from cleverreach.clock import as_utc, from_unix, local_iso, local_text, utcnow, zone


def test_utcnow_is_aware_utc():
    assert utcnow().utcoffset() == timedelta(0)


@pytest.mark.parametrize("stored", [
    datetime(2026, 1, 15, 10, 0),  # a CRM column without time zone holds UTC
    datetime(2026, 1, 15, 11, 0, tzinfo=timezone(timedelta(hours=1))),  # PostgreSQL timestamptz in another zone
    "2026-01-15 10:00:00",  # SQLite text written before the offset was kept
    "2026-01-15 10:00:00+00:00",  # SQLite text with its offset
    " 2026-01-15T10:00:00Z ",
    pd.Timestamp("2026-01-15 10:00:00", tz="UTC"),
])
def test_every_shape_of_a_stored_time_reads_as_the_same_utc_instant(stored):
    assert as_utc(stored) == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    assert as_utc(stored).tzinfo is UTC


@pytest.mark.parametrize("unknown", [None, "", "not a time", pd.NaT, 17])
def test_what_is_no_time_reads_as_none(unknown):
    assert as_utc(unknown) is None


def test_times_are_shown_in_the_tenants_zone_with_summer_time():
    berlin = zone(None)
    assert berlin.key == "Europe/Berlin"
    assert local_text("2026-01-15 10:00:00", berlin) == "2026-01-15 11:00:00 CET"
    assert local_text("2026-07-15 10:00:00", berlin) == "2026-07-15 12:00:00 CEST"
    assert local_iso(from_unix(1_768_471_200), zone("America/New_York")) == "2026-01-15T05:00:00-05:00"


def test_an_unknown_zone_in_the_crm_falls_back_to_berlin_instead_of_stopping_a_sync(caplog):
    assert zone("Mars/Olympus").key == "Europe/Berlin"
    assert zone("  Europe/Vienna ").key == "Europe/Vienna"
