"""True times on the CleverReach page: a time is shown as the wall clock of the tenant's zone, labelled with that
zone (MEZ/CET for Europe/Berlin), and its <time dateTime> is the same instant with that zone's offset.

A login check is recorded at a known UTC instant (the page's own write path, its clock fixed) for acme in
Europe/Berlin and nordlicht in America/New_York; a page that shows UTC digits, or the browser's zone, or labels
one zone's wall clock with another's name, fails here. The audit trail's times are checked the same way.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from e2e.test_cleverreach_page_e2e import LANGUAGES, crm_transaction, tid

pytestmark = pytest.mark.e2e
INSTANT = datetime(2026, 12, 5, 16, 52, 44, tzinfo=UTC)
ZONES = {"acme": "Europe/Berlin", "nordlicht": "America/New_York"}
# The label of each zone in December, per language: its abbreviation, or its offset where the language has none.
LABELS = {("Europe/Berlin", "de"): {"MEZ"}, ("Europe/Berlin", "en"): {"CET"},
          ("America/New_York", "de"): {"UTC-05:00"}, ("America/New_York", "en"): {"UTC-05:00", "EST"}}
SHOWN = re.compile(r"^(\d{2})[./](\d{2})[./](\d{4}), (\d{2}):(\d{2}):(\d{2}) (.+)$")


@contextmanager
def zones(crm_path, wanted: dict[str, str]):
    """The tenants' zones in the CRM for the test, the former ones back afterwards."""
    from sqlalchemy import text

    with crm_transaction(crm_path) as conn:
        former = {r[0]: r[1] for r in conn.execute(text("SELECT id, time_zone FROM tenant"))}
        for tenant, zone in wanted.items():
            conn.execute(text("UPDATE tenant SET time_zone = :zone WHERE id = :id"), {"zone": zone, "id": tenant})
    try:
        yield
    finally:
        with crm_transaction(crm_path) as conn:
            for tenant, zone in former.items():
                conn.execute(text("UPDATE tenant SET time_zone = :zone WHERE id = :id"), {"zone": zone, "id": tenant})


def record_login_check(crm_path, tenant: str, at: datetime) -> None:
    """The page's own write of a login check, its clock fixed at ``at``."""
    from cleverreach.hooks.crm import engine_from_fields
    from cleverreach.ui import read_store

    engine = engine_from_fields("sqlite", host=str(crm_path))
    try:
        with mock.patch.object(read_store, "utcnow", lambda: at):
            read_store.UiReadStore(engine).record_login_check(tenant, True, None, "user:e2e")
    finally:
        engine.dispose()


def assert_true_time(element, zone: str, lang: str, instant: datetime | None = None) -> None:
    """The element is a <time> whose dateTime is the instant in ``zone`` (its offset) and whose text is that wall
    clock with the zone's label in ``lang``."""
    assert element.tag_name == "time", element.tag_name
    attribute, shown = element.get_attribute("datetime"), element.text.strip()
    stamp = datetime.fromisoformat(attribute)
    assert stamp.utcoffset() is not None, f"dateTime {attribute!r} has no offset"
    wall = stamp.astimezone(ZoneInfo(zone))
    assert stamp.utcoffset() == wall.utcoffset(), f"dateTime {attribute!r} is not in {zone}"
    if instant is not None:
        assert stamp == instant, (attribute, instant.isoformat())
    match = SHOWN.match(shown)
    assert match, f"{shown!r} is not a date, a time and a zone label"
    day, month, year, hour, minute, second, label = match.groups()
    assert (int(year), int(month), int(day), int(hour), int(minute), int(second)) == \
        (wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second), f"{shown!r} is not {wall} ({zone})"
    assert ("." in shown[:6]) == (lang == "de"), f"{shown!r} is not written the {lang} way"
    offset = wall.utcoffset() or timedelta(0)
    hours, rest = divmod(int(abs(offset.total_seconds())) // 60, 60)
    as_offset = f"UTC{'-' if offset < timedelta(0) else '+'}{hours:02d}:{rest:02d}"
    expected = LABELS.get((zone, lang), {as_offset}) if wall.month in (11, 12, 1, 2) else {as_offset}
    if zone == "Europe/Berlin" and wall.dst():
        expected = {"MESZ"} if lang == "de" else {"CEST"}
    assert label in expected, f"{shown!r}: the label {label!r} is not one of {sorted(expected)} ({zone}, {lang})"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_login_check_shows_the_tenants_wall_clock_and_zone(page, lang):
    with zones(page.fab.crm_path, ZONES):
        for tenant in ZONES:
            record_login_check(page.fab.crm_path, tenant, INSTANT)
        page.as_user("admin", lang, role="admin").open()
        page.screen("times", "ACME Handels GmbH")
        for tenant, zone in ZONES.items():
            cell = page.element(tid("tenants", f" [data-tenant='{tenant}'] ") + tid("login-check") + " time",
                                name=f"times-{tenant}")
            assert_true_time(cell, zone, lang, INSTANT)
        page.shot("times-login-check")
        wall = page.element(tid("tenants", " [data-tenant='acme'] ") + tid("login-check") + " time", name="times").text
        assert wall == {"de": "05.12.2026, 17:52:44 MEZ", "en": "05/12/2026, 17:52:44 CET"}[lang]


def test_the_audit_trail_shows_true_times(page):
    with zones(page.fab.crm_path, ZONES):
        for lang, tenant in (("de", "acme"), ("en", "nordlicht")):
            page.as_user("admin", lang, role="admin").open(f"/tenants/{tenant}/audit")
            page.screen(f"times-audit-{tenant}")
            page.element(tid("audit", " [data-event]"), name=f"times-audit-{tenant}")
            times = page.elements(tid("audit", " [data-event] time"))
            assert times, "the audit trail shows no <time>"
            for element in times:
                assert_true_time(element, ZONES[tenant], lang)
            page.shot(f"times-audit-{tenant}")
