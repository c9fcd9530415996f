"""The pure part of changes-only syncs: the scope chosen before anything is read, and the contacts read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from cleverreach.enums import SyncScope
from cleverreach.sync.scope import (
    Fallback,
    PastRun,
    choose_scope,
    foreign_contacts,
    interest,
    record_keys,
    shared_with_others,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def run(hours_ago: float, status: str = "success", scope: str | None = "changes") -> PastRun:
    return PastRun(NOW - timedelta(hours=hours_ago), status, scope)


@pytest.mark.parametrize(("past", "hours", "asked", "expected"), [
    ([run(1, scope="full")], 0, False, Fallback.OFF),
    ([run(1, scope="full")], 24, True, Fallback.ASKED),
    ([], 24, False, Fallback.NONE_YET),
    ([run(2, scope=None)], 24, False, Fallback.NONE_YET),  # runs before the migration: not known to be full
    ([run(1, status="partial", scope="full")], 24, False, Fallback.NONE_YET),
    ([run(1), run(25, scope="full")], 24, False, Fallback.DUE),
    ([run(1, status="failed"), run(2, scope="full")], 24, False, Fallback.UNSETTLED),
    ([run(1, status="blocked"), run(2, scope="full")], 24, False, Fallback.UNSETTLED),
])
def test_the_whole_group_is_read_unless_every_condition_holds(past, hours, asked, expected):
    assert choose_scope(past, reconcile_hours=hours, full_asked=asked, now=NOW) == (SyncScope.FULL, expected, None)


def test_a_changes_only_run_reads_what_changed_since_the_last_runs_start():
    past = [run(1), run(3), run(5, scope="full")]
    assert choose_scope(past, reconcile_hours=24, full_asked=False, now=NOW) == (SyncScope.CHANGES, None, past[0].started_at)


def marks(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["contact_person_id", "sync_state", "synced_at", "changed_at"])


def test_the_members_read_are_the_unsettled_the_stale_the_recently_changed_and_the_withdrawn():
    since = datetime(2026, 12, 7, 11, 0)  # naive: UTC
    frame = marks([
        (1, "synced", "2026-12-07T10:00:00", "2026-12-06T10:00:00"),  # settled
        (2, "pending", None, None),  # new on the list
        (3, "unconfirmed", None, None),  # waits for the double opt-in: looked at every run
        (4, "synced", "2026-12-07T10:00:00", "2026-12-07T10:30:00+00:00"),  # changed after its sync
        (5, "unsubscribed", None, "2026-12-07T12:30:00+01:00"),  # 11:30 UTC: after the last run's start
        (6, "unsubscribed", None, "2026-12-07T11:30:00+01:00"),  # 10:30 UTC: before it
        (7, "synced", "2026-12-07T10:00:00", None),  # withdrawn without a change stamp
        (8, "rejected", None, None),  # withdrawn and already rejected
        (9, "bounced", None, None),
    ])
    look = interest(frame, since, record_keys(pd.Series(["1", "4", "7", "8", "42", None], dtype=object)),
                    pd.Series([7, 8, 42], dtype=object))
    assert sorted(look.members.tolist()) == ["2", "3", "4", "5", "7"]
    assert sorted(look.gone.tolist()) == ["42", "7", "8"]  # no member any more, or withdrawn
    assert (look.member_count, look.synced_count, look.owned_contacts, look.size) == (9, 3, 5, 8)
    assert not look.record_short


def test_text_keys_that_look_like_numbers_stay_text():
    frame = marks([("007", "pending", None, None), ("7", "synced", "2026-12-07T10:00:00", None)])
    look = interest(frame, NOW, record_keys(pd.Series(["007", "7", "0x7"], dtype=object)), pd.Series([], dtype=object))
    assert look.members.tolist() == ["007"] and look.gone.tolist() == ["0x7"]


def test_foreign_contacts_are_the_ext_ids_of_receivers_the_record_does_not_hold():
    actual = pd.DataFrame({"receiver_id": ["1", "2", "3", "4"], "ext_id": ["10", " 20 ", "", "30"]})
    assert foreign_contacts(actual, pd.Series(["1"], dtype=object)) == ["20", "30"]
    assert foreign_contacts(actual.iloc[:0], pd.Series([], dtype=object)) == []


def test_a_receiver_owned_by_or_naming_another_contact_is_shared():
    actual = pd.DataFrame({"receiver_id": ["1", "2"], "ext_id": ["5", ""]})
    contacts = np.array(["5", "6"], dtype=object)
    assert not shared_with_others(actual, np.array(["5", ""], dtype=object), contacts)
    assert shared_with_others(actual, np.array(["5", "9"], dtype=object), contacts)  # owned by contact 9
    assert shared_with_others(actual.assign(ext_id=["5", "9"]), np.array(["5", ""], dtype=object), contacts)



def test_the_record_is_short_when_fewer_contacts_own_a_receiver_than_members_are_synced():
    frame = marks([(1, "synced", "2026-12-07T10:00:00", None), (2, "synced", "2026-12-07T10:00:00", None)])
    record = record_keys(pd.Series(["1", "1", "", None], dtype=object))  # two receivers of one contact, two of none
    look = interest(frame, NOW, record, pd.Series([], dtype=object))
    assert (look.synced_count, look.owned_contacts, look.record_short) == (2, 1, True)


def test_a_change_shortly_before_the_last_runs_start_counts_as_new():
    since = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    frame = marks([(1, "rejected", None, "2026-12-07T10:50:00Z"), (2, "rejected", None, "2026-12-07T10:40:00Z")])
    look = interest(frame, since, record_keys(pd.Series([], dtype=object)), pd.Series([], dtype=object))
    assert look.members.tolist() == ["1"]  # ten minutes before: within the margin; twenty: not
