"""The lease's fence: checked before each batch is sent, beating while a read pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cleverreach.exceptions import LeaseLostError
from cleverreach.sync.fence import Fence


class Lease:
    """A store whose lease can be taken over; counts the checks (reads and heartbeats) and the heartbeats."""

    def __init__(self) -> None:
        self.checks = 0
        self.beats = 0
        self.lost = False

    def fence(self, run_pk: int) -> None:
        self.beats += 1
        self.holds(run_pk)

    def holds(self, run_pk: int) -> None:
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


def test_the_check_reads_the_lease_and_beats_only_when_the_last_beat_is_old():
    lease, clock = Lease(), Clock()
    fence = Fence(lease, 1, clock=clock)
    for _ in range(3):  # batches a second apart: reads, then a beat once five seconds have passed
        fence.check()
        clock.now += 1.0
    assert (lease.checks, lease.beats) == (3, 0)
    clock.now += 2.0
    fence.check()
    fence.check()
    assert (lease.checks, lease.beats) == (5, 1)
    lease.lost = True  # a read finds the lease taken over as a beat does
    with pytest.raises(LeaseLostError):
        fence.check()


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


class Sender:
    """The hook's write batches: advancing one sends it (``log`` records the send, from the sender's thread;
    ``started[k]`` is set as batch k goes out)."""

    def __init__(self, sizes: list[int], log: list[str]) -> None:
        self.sizes, self.log = sizes, log
        self.started = [threading.Event() for _ in sizes]

    def __iter__(self) -> Iterator[int]:
        for index, size in enumerate(self.sizes):
            self.started[index].set()
            self.log.append(f"send {index}")
            yield size


def test_ahead_sends_the_next_batch_while_the_last_one_is_settled_and_checks_before_each_send():
    lease, log = Lease(), []
    sender = Sender([3, 3, 2], log)

    def before(sent: int) -> None:
        lease.fence(1)
        log.append(f"before {sent}")

    for index, size in enumerate(Fence(lease, 1).ahead(sender, before, size=lambda batch: batch)):
        if index + 1 < len(sender.sizes):  # a pipeline that waited for this settle before sending would stall here
            assert sender.started[index + 1].wait(10), f"batch {index + 1} was not sent while batch {index} was settled"
        log.append(f"settle {index}")
    assert lease.checks == 4  # before each of the three sends, and the last finds nothing left
    assert [entry for entry in log if entry.startswith("before")] == ["before 0", "before 3", "before 6", "before 8"]
    for k in range(3):  # each send after its check; the next check before the batch is settled
        assert log.index(f"before {[0, 3, 6][k]}") < log.index(f"send {k}")
        assert log.index(f"before {[3, 6, 8][k]}") < log.index(f"settle {k}")


def test_ahead_stops_sending_when_the_lease_is_lost_and_a_failing_settle_waits_for_the_batch_in_flight():
    lease, log = Lease(), []

    def before(sent: int) -> None:
        lease.fence(1)
        log.append(f"before {sent}")

    taken = Fence(lease, 1).ahead(Sender([1, 1, 1], log), before, size=lambda batch: batch)
    assert next(taken) == 1
    lease.lost = True  # taken over while batch 0 is settled: batch 1 is out already (its intents recorded)
    with pytest.raises(LeaseLostError):
        next(taken)
    assert sorted(log) == ["before 0", "before 1", "send 0", "send 1"]  # batch 2 never sent

    lease.lost, log[:] = False, []
    taken = Fence(lease, 1).ahead(Sender([1, 1, 1], log), before, size=lambda batch: batch)
    next(taken)
    with pytest.raises(RuntimeError):
        taken.throw(RuntimeError("the settle of batch 0 failed"))
    # the batch in flight finished before the error went on (its send is logged), nothing more was sent
    assert sorted(log) == ["before 0", "before 1", "send 0", "send 1"]


def test_ahead_raises_a_send_error_after_the_batches_before_it_are_settled():
    lease = Lease()

    def batches() -> Iterator[int]:
        yield 1
        raise ConnectionError("CleverReach went away")

    settled = []
    with pytest.raises(ConnectionError):
        for batch in Fence(lease, 1).ahead(batches(), lambda sent: lease.fence(1), size=lambda batch: batch):
            settled.append(batch)
    assert settled == [1]
