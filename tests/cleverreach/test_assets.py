"""The assets' URIs and the events' extra: stable names, no event without a write, no personal data."""

from __future__ import annotations

import pytest
from airflow.sdk import Asset

from cleverreach.assets import (
    CONTACT_HISTORY_ALIAS,
    contact_history_asset,
    contact_history_uri,
    emit,
    history_event,
    list_recipients_asset,
    list_recipients_uri,
    sync_event,
)

HISTORY = {"tenant_id": "acme", "window_start": 0, "watermark": 1700000000, "mailings_seen": 2, "mailings_loaded": 1,
           "mailings_failed": 0, "rows_inserted": 156, "rows_existing": 0, "unmatched": 1, "consent_updates": 2,
           "failed": [{"mailing_id": "501", "error": "x", "failures": 1}], "receivers_read": 151}
SYNC = {"tenant_id": "acme", "list_id": "1", "dry_run": False, "sync_run_id": 7, "status": "success",
        "remote_member_count": 9, "alerts": ["mass change"], "added": 3, "updated": 1, "reactivated": 0, "removed": 0,
        "rejected": 3, "unchanged": 0, "unconfirmed": 0, "failed": 0, "unsubscribed": 0, "bounced": 0}


def test_uris_name_the_tenant_and_the_data_and_are_what_a_customer_writes():
    assert contact_history_uri("acme") == "cleverreach://tenants/acme/contact_history"
    assert list_recipients_uri("acme", 1) == "cleverreach://tenants/acme/lists/1/recipients"
    assert contact_history_asset("acme") == Asset("cleverreach://tenants/acme/contact_history")
    assert list_recipients_asset("acme", "1") == Asset("cleverreach://tenants/acme/lists/1/recipients")


@pytest.mark.parametrize("tenant", ["ACME GmbH", "a/b", "ä?#%", "x:y@z"])
def test_any_tenant_id_makes_one_path_segment_that_round_trips(tenant):
    from urllib.parse import unquote, urlsplit

    uri = contact_history_uri(tenant)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("cleverreach", "tenants")
    _, segment, table = parts.path.split("/")
    assert (unquote(segment), table) == (tenant, "contact_history")
    assert Asset(uri).uri == uri  # Airflow keeps it as it is


def test_an_empty_id_has_no_asset():
    with pytest.raises(ValueError):
        contact_history_uri(" ")


def test_a_history_event_carries_counts_only_when_rows_were_inserted():
    assert history_event(HISTORY) == {"tenant_id": "acme", "mailings_seen": 2, "mailings_loaded": 1, "mailings_failed": 0,
                                      "rows_inserted": 156, "rows_existing": 0, "unmatched": 1, "consent_updates": 2,
                                      "window_start": 0, "watermark": 1700000000}
    assert history_event({**HISTORY, "rows_inserted": 0}) is None


def test_a_sync_event_only_for_a_real_run_that_changed_the_group():
    extra = sync_event(SYNC)
    assert extra == {"tenant_id": "acme", "list_id": "1", "added": 3, "updated": 1, "reactivated": 0, "removed": 0,
                     "rejected": 3, "unchanged": 0, "failed": 0, "remote_member_count": 9, "sync_run_id": 7,
                     "status": "success"}
    assert sync_event({**SYNC, "dry_run": True}) is None
    assert sync_event({"tenant_id": "acme", "list_id": "1", "dry_run": True, "added": 3}) is None
    assert sync_event({**SYNC, "added": 0, "updated": 0}) is None  # rejections alone write nothing
    assert sync_event({**SYNC, "added": 0, "updated": 0, "removed": 2})["removed"] == 2
    assert sync_event({**SYNC, "added": 0, "updated": 0, "reactivated": 1})["reactivated"] == 1


class _Accessor:
    def __init__(self) -> None:
        self.added: list[tuple[Asset, dict]] = []

    def add(self, asset: Asset, extra: dict | None = None) -> None:
        self.added.append((asset, extra))


def test_emit_adds_through_the_alias_or_not_at_all():
    accessor = _Accessor()
    context = {"outlet_events": {CONTACT_HISTORY_ALIAS: accessor}}
    assert emit(context, CONTACT_HISTORY_ALIAS, contact_history_asset("acme"), None) is False
    assert accessor.added == []
    assert emit(context, CONTACT_HISTORY_ALIAS, contact_history_asset("acme"), {"rows_inserted": 1}) is True
    assert accessor.added == [(contact_history_asset("acme"), {"rows_inserted": 1})]
    assert emit({"run_id": "r"}, CONTACT_HISTORY_ALIAS, contact_history_asset("acme"), {"rows_inserted": 1}) is False

