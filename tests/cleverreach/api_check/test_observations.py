"""What the probes observe (pure): a receiver's state from the API's numbers, and the record of each check."""

from __future__ import annotations

import pytest

from cleverreach.api_check.observations import (
    NotObserved,
    Observations,
    ReceiverState,
    ReceiverStatus,
    receiver_int,
)


@pytest.mark.parametrize(("receiver", "status"), [
    ({"activated": 1700000000, "deactivated": 0, "bounced": 0}, ReceiverStatus.ACTIVE),
    ({"activated": 0, "deactivated": 0}, ReceiverStatus.PENDING),
    ({"activated": "1700000000", "deactivated": "1700000100"}, ReceiverStatus.DEACTIVATED),
    ({"activated": 1, "deactivated": 1, "bounced": 1}, ReceiverStatus.BOUNCED),
    ({}, ReceiverStatus.PENDING),
])
def test_receiver_status_from_the_api(receiver, status):
    assert ReceiverState.from_api(receiver).status is status


def test_receiver_state_describes_itself_with_its_numbers():
    state = ReceiverState.from_api({"activated": "5", "deactivated": None})
    assert state == ReceiverState(5, 0, 0)
    assert state.describe() == "active (activated=5, deactivated=0)"


@pytest.mark.parametrize(("value", "number"), [(12, 12), ("12", 12), (None, 0), ("", 0), ("soon", 0), ([1], 0)])
def test_receiver_int_reads_numbers_and_numeric_text(value, number):
    assert receiver_int({"stamp": value}, "stamp") == number


def test_observations_keep_the_first_missing_reason_and_let_a_record_win():
    seen = Observations()
    assert seen.get("paging") is None  # not run
    seen.missing("paging", "no group")
    seen.missing("paging", "later reason")
    assert seen.get("paging") == NotObserved("no group")
    seen.record("paging", "observed")
    seen.missing("paging", "too late")
    assert seen.get("paging") == "observed"
