"""The lease's fence: checked before each batch is sent, beating while a read pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cleverreach.exceptions import LeaseLostError
from cleverreach.sync.fence import Fence


class Lease:
    """A store whose lease can be taken over; counts the checks."""

    def __init__(self) -> None:
        self.checks = 0
        self.lost = False

    def fence(self, run_pk: int) -> None:
        self.checks += 1
        if self.lost:
            raise LeaseLostError(f"sync_run {run_pk} was taken over")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_batch_is_sent_only_after_the_check():
    lease, sent = Lease(), []

    def batches() -> Iterator[int]:  # like the hook's: advancing sends the batch
        for index in range(3):
            sent.append(index)
            yield index

    fence = Fence(lease, 7)
    taken = fence.batches(batches())
    assert next(taken) == 0 and lease.checks == 1 and sent == [0]
    lease.lost = True  # taken over between two batches
    with pytest.raises(LeaseLostError):
        next(taken)
    assert sent == [0]  # the second batch was never sent


def test_before_runs_after_the_check_before_every_batch():
    lease, calls = Lease(), []
    fence = Fence(lease, 1)
    for batch in fence.batches(iter("ab"), lambda: calls.append(lease.checks)):
        calls.append(batch)
    assert calls == [1, "a", 2, "b", 3]


def test_a_paged_read_beats_at_most_every_few_seconds_and_stops_when_taken_over():
    lease, clock = Lease(), Clock()
    fence = Fence(lease, 1, clock=clock)

    def pages() -> Iterator[int]:
        for page in range(10):
            clock.now += 2.0  # each page takes two seconds
            yield page

    assert list(fence.pages(pages())) == list(range(10))
    assert lease.checks == 3  # at 6, 12 and 18 s: a page whose last beat is 5 s old or more
    lease.lost = True
    with pytest.raises(LeaseLostError):
        list(fence.pages(pages()))


def test_a_before_that_fences_replaces_the_check_and_stops_a_taken_over_attempt():
    lease, calls, sent = Lease(), [], []

    def before() -> None:  # like recording the intents: a heartbeat in the same transaction
        lease.fence(1)
        calls.append(lease.checks)

    def batches() -> Iterator[str]:
        for batch in "ab":
            sent.append(batch)
            yield batch

    taken = Fence(lease, 1).batches(batches(), before, before_fences=True)
    assert next(taken) == "a" and calls == [1] and lease.checks == 1  # one heartbeat per batch, not two
    lease.lost = True
    with pytest.raises(LeaseLostError):
        next(taken)
    assert sent == ["a"]  # the second batch was never sent
