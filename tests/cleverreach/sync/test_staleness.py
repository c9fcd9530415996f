"""The flag that tells the truth: a synced member whose contact changed after its last sync is pending."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cleverreach.sync.staleness import CHANGED_REASON, changed_contacts, changed_since_sync, shown_member

SYNCED = datetime(2026, 3, 1, 12, 0)


@pytest.mark.parametrize(("state", "changed", "synced", "stale"), [
    ("synced", datetime(2026, 3, 1, 12, 1), SYNCED, True),
    ("synced", "2026-03-01 12:01:00.000000", "2026-03-01 12:00:00.000000", True),  # SQLite's text
    ("synced", datetime(2026, 3, 1, 11, 59), SYNCED, False),
    ("synced", SYNCED, SYNCED, False),
    ("synced", None, SYNCED, False),
    ("synced", datetime(2026, 3, 1), None, True),
    ("rejected", datetime(2026, 3, 2), SYNCED, False),
    ("unsubscribed", datetime(2026, 3, 2), SYNCED, False),
])
def test_changed_since_sync(state, changed, synced, stale):
    assert changed_since_sync(state, changed, synced) is stale


def test_the_shown_row_is_pending_with_the_reason_and_keeps_its_shape():
    row = {"contact_person_id": 1, "sync_state": "synced", "sync_error": None, "synced_at": SYNCED,
           "changed_at": datetime(2026, 3, 2)}
    assert shown_member(row) == {"contact_person_id": 1, "sync_state": "pending", "sync_error": CHANGED_REASON,
                                 "synced_at": SYNCED}
    assert shown_member({**row, "changed_at": None})["sync_state"] == "synced"


@pytest.mark.parametrize("as_text", [False, True])
def test_changed_contacts_is_vectorised_over_either_dialects_timestamps(as_text):
    times = [datetime(2026, 3, 2), datetime(2026, 2, 1), None, datetime(2026, 3, 2)]
    synced = [SYNCED, SYNCED, SYNCED, SYNCED]
    text = (lambda values: [None if v is None else v.isoformat(sep=" ") for v in values]) if as_text else list
    members = pd.DataFrame({"contact_person_id": [1, 2, 3, 4], "sync_state": ["synced", "synced", "synced", "pending"],
                            "changed_at": text(times), "synced_at": text(synced)})
    assert changed_contacts(members).tolist() == ["1"]
    assert changed_contacts(members.drop(columns="changed_at")).tolist() == []
