"""Intents recorded ahead of the sends: every batch is sent only after its rows' intents were committed, in the
sending thread or (two writers) by a worker one window ahead; the worker's error stops the send that needs it."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from cleverreach.exceptions import LeaseLostError
from cleverreach.sync.intender import Intender


class Sends:
    """Drives an :class:`Intender` as ``Fence.ahead`` does and logs what happened, in order."""

    def __init__(self, total: int, *, background: bool, sizes: list[int] | None = None, fail_at: int | None = None,
                 slow: float = 0.0) -> None:
        self.rows = pd.DataFrame({"email_key": [f"p{i}@example.org" for i in range(total)], "n": range(total)})
        self.log: list[tuple] = []
        self.sizes = sizes
        self.size = 3
        self.fail_at = fail_at
        self.slow = slow
        self.lock = threading.Lock()
        self.intender = Intender(self.rows, window=2, batch_size=lambda: self.size, record=self.record,
                                 check=lambda: self.log.append(("check",)), background=background)

    def record(self, rows: pd.DataFrame) -> None:
        start = int(rows["n"].iloc[0])
        if start == self.fail_at:
            raise LeaseLostError("taken over")
        time.sleep(self.slow)
        with self.lock:
            self.log.append(("recorded", start, start + len(rows), threading.current_thread().name))

    def run(self) -> None:
        sent = 0
        with self.intender:
            while sent < len(self.rows):
                if self.sizes:
                    self.size = self.sizes.pop(0)
                self.intender.before(sent)
                size = min(self.size, len(self.rows) - sent)
                self.log.append(("send", sent, sent + size))
                sent += size

    def covered_before_each_send(self) -> bool:
        done: set[int] = set()
        for entry in self.log:
            if entry[0] == "recorded":
                done.update(range(entry[1], entry[2]))
            elif entry[0] == "send" and not set(range(entry[1], entry[2])) <= done:
                return False
        return True

    def recorded(self) -> list[tuple[int, int, bool]]:
        return [(e[1], e[2], e[3].startswith("cleverreach-intend")) for e in self.log if e[0] == "recorded"]


def test_in_the_sending_thread_a_window_is_recorded_when_its_first_batch_goes_out():
    sends = Sends(20, background=False)
    sends.run()
    assert sends.covered_before_each_send()
    assert sends.recorded() == [(0, 6, False), (6, 12, False), (12, 18, False), (18, 20, False)]
    assert [e[0] for e in sends.log[:4]] == ["recorded", "send", "check", "send"]


def test_beside_the_sends_the_next_window_is_recorded_by_a_worker_and_waited_for():
    sends = Sends(20, background=True, slow=0.02)
    sends.run()
    assert sends.covered_before_each_send()
    assert sends.recorded() == [(0, 6, False), (6, 12, True), (12, 18, True), (18, 20, True)]


def test_a_batch_size_that_shrinks_midway_is_still_covered():
    sends = Sends(30, background=True, sizes=[3, 3, 1, 1, 1, 2, 2])
    sends.run()
    assert sends.covered_before_each_send()
    ranges = sends.recorded()
    assert ranges[0][0] == 0 and ranges[-1][1] == 30
    assert all(a[1] >= b[0] for a, b in zip(ranges, ranges[1:]))  # no gap between the recorded ranges


def test_the_workers_error_stops_the_send_that_needs_its_intents():
    sends = Sends(20, background=True, fail_at=6)
    with pytest.raises(LeaseLostError):
        sends.run()
    assert [e[1:] for e in sends.log if e[0] == "send"] == [(0, 3), (3, 6)]
    assert sends.covered_before_each_send()
