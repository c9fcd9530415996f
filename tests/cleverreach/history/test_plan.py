"""Which mailings and which report states are read: under every reading of GET /mailings' window and limit."""

from __future__ import annotations

import pytest

from cleverreach.exceptions import CleverReachResponseError
from cleverreach.history.events import CHANGING_STATES, STATES
from cleverreach.history.plan import (
    DAY,
    REREAD_MARGIN,
    SAFE_ANSWER,
    MailingRecord,
    complete_answer,
    finished_mailings,
    plan_read,
)

NOW = 1_800_000_000


def mailings(count: int, *, drafted_days: int = 0) -> list[dict]:
    """``count`` mailings finished an hour apart, each created ``drafted_days`` before it was sent."""
    out = []
    for i in range(count):
        finished = NOW - (count - i) * 3600
        out.append({"id": str(1000 + i), "stamp": finished - drafted_days * DAY, "started": finished - 60,
                    "finished": finished})
    return out


class FakeServer:
    """GET /mailings as the emulator's variants answer it: a window on one timestamp, newest first, a clamp."""

    def __init__(self, items: list[dict], window_on: str, clamp: int) -> None:
        self.items, self.window_on, self.clamp, self.calls = items, window_on, clamp, 0

    def __call__(self, start: int, end: int) -> list[dict]:
        self.calls += 1
        hits = [m for m in self.items if start <= m[self.window_on] <= end]
        hits.sort(key=lambda m: m["finished"], reverse=True)
        return hits[: self.clamp] if self.clamp else hits


@pytest.mark.parametrize("window_on", ["stamp", "started", "finished"])
@pytest.mark.parametrize("clamp", [0, SAFE_ANSWER, 100])
def test_every_mailing_is_found_whatever_the_window_means_and_however_the_answer_is_cut(window_on, clamp):
    items = mailings(130, drafted_days=200)  # more than one answer holds, created long before sending
    server = FakeServer(items, window_on, clamp)
    found = finished_mailings(server, NOW - 200 * 3600, NOW, lookback_days=365)
    assert [m["id"] for m in found] == [m["id"] for m in items if m["finished"] >= NOW - 200 * 3600]
    assert server.calls < 80  # splitting stays logarithmic in the window


def test_finished_is_filtered_here_not_by_the_server():
    items = mailings(3, drafted_days=10)
    found = finished_mailings(FakeServer(items, "stamp", 0), NOW - 2 * 3600, NOW, lookback_days=365)
    assert [m["id"] for m in found] == ["1001", "1002"]  # the oldest finished before the start


def test_a_lookback_too_short_for_the_drafting_time_misses_what_the_server_filters_out():
    """The setting is what makes the window wide enough: the test that shows it is needed."""
    items = mailings(2, drafted_days=30)
    assert finished_mailings(FakeServer(items, "stamp", 0), NOW - DAY, NOW, lookback_days=7) == []
    assert len(finished_mailings(FakeServer(items, "stamp", 0), NOW - DAY, NOW, lookback_days=31)) == 2


def test_an_answer_that_cannot_be_split_further_is_an_error_not_a_silent_cut():
    same_second = [{"id": str(i), "stamp": NOW, "started": NOW, "finished": NOW} for i in range(SAFE_ANSWER)]
    with pytest.raises(CleverReachResponseError, match="cannot tell whether"):
        complete_answer(FakeServer(same_second, "finished", 0), NOW, NOW)


def test_answers_are_merged_by_id():
    item = {"id": "7", "stamp": NOW, "started": NOW, "finished": NOW}
    assert list(complete_answer(lambda start, end: [item, dict(item)], 0, NOW)) == ["7"]


def test_read_plans():
    finished = NOW - 3 * DAY
    assert plan_read(None, finished, reread_days=14).states == tuple(STATES)
    failed = MailingRecord("1", finished, read_at=None, failures=2, error_class="CleverReachServerError")
    assert plan_read(failed, finished, reread_days=14).complete
    loaded = MailingRecord("1", finished, read_at=NOW - DAY)
    reread = plan_read(loaded, finished, reread_days=14)
    assert reread.states == CHANGING_STATES and "sent" not in reread.states
    assert reread.since == NOW - DAY - REREAD_MARGIN
    assert plan_read(loaded, finished, reread_days=14, new_list=True).complete  # a list never loaded
    # a receiver that matched no contact last time may match one now: the whole mailing again, sent included
    assert plan_read(loaded._replace(unmatched=2), finished, reread_days=14).complete
    done = MailingRecord("1", finished, read_at=finished + 14 * DAY, unmatched=2)
    assert plan_read(done, finished, reread_days=14) is None  # read after its re-read window ended
    assert plan_read(MailingRecord("1", finished, read_at=finished), finished, reread_days=0) is None
