"""The lease's fence around one sync attempt's writes and long reads.

A list's lease is its ``running`` sync_run row (``RunLedger.start_run``, ``sync.ledger``); a newer attempt of the task, or
anyone once the holder has shown no life for the lease timeout, takes it over and the old attempt must stop.
The ledger's heartbeat is that check: it raises :class:`~cleverreach.exceptions.LeaseLostError` when the row is
no longer this attempt's (between two heartbeats a read of the row checks the same). So:

* :meth:`Fence.check` runs before every write to CleverReach (each insert, upsert and delete batch, each
  deactivation and reactivation): an attempt that lost its lease writes nothing more. The hook's batch
  generators send a batch when advanced, so :meth:`Fence.batches` checks before each advance.
* :meth:`Fence.ahead` does the same for a pipeline: it sends batch k+1 in a worker thread while the caller
  settles batch k (the wait for CleverReach overlaps the database work); ``before`` (the check) still runs
  before each send, in the caller's thread.
* :meth:`Fence.pages` beats while a long read pages through a group (at most every
  ``READ_HEARTBEAT_SECONDS``): a read of a million receivers must not let the lease go stale, and an attempt
  taken over meanwhile stops reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")

_END = object()  # what ``next`` gives once the batches are all sent


class Lease(Protocol):
    """What the fence needs of the run ledger (``sync.ledger.RunLedger``)."""

    def fence(self, run_pk: int) -> None: ...

    def holds(self, run_pk: int) -> None: ...


class Fence:
    """One attempt's fence on its run's lease."""

    #: the longest pause between two heartbeats while paging a read or writing batches
    READ_HEARTBEAT_SECONDS = 5.0

    def __init__(self, ledger: Lease, run_pk: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ledger = ledger
        self.run_pk = run_pk
        self.clock = clock
        self._last = clock()

    def check(self) -> None:
        """The lease is still ours, :class:`LeaseLostError` otherwise: a heartbeat when the last one is
        ``READ_HEARTBEAT_SECONDS`` old, else a read of the lease (a heartbeat is a commit, and a commit is a
        disk flush: a thousand of them sat between the thousand batches of a million-member sync)."""
        if self.clock() - self._last < self.READ_HEARTBEAT_SECONDS:
            self.ledger.holds(self.run_pk)
            return
        self.ledger.fence(self.run_pk)
        self._last = self.clock()

    def batches(self, batches: Iterable[T], before: Callable[[], None] | None = None) -> Iterator[T]:
        """The hook's write batches, each advance (which sends the batch) preceded by the check and ``before``."""
        iterator = iter(batches)
        while True:
            self.check()
            if before is not None:
                before()
            try:
                batch = next(iterator)
            except StopIteration:
                return
            yield batch

    def ahead(self, batches: Iterable[T], before: Callable[[int], None], size: Callable[[T], int]) -> Iterator[T]:
        """The hook's write batches, each yielded once the next one is on its way: advancing ``batches`` (which
        sends a batch) runs in one worker thread, and every advance is preceded by ``before(sent)`` in this thread,
        with ``sent`` the items of the batches already yielded or in hand (``size`` counts a batch's). ``before``
        is the check itself: it records what the next send may write and beats the lease (or calls
        :meth:`check`), raising :class:`LeaseLostError` before anything more is sent.

        The database work on batch k overlaps the wait for CleverReach on batch k+1. Nothing is sent twice, and a
        caller that raises (or stops) waits for the batch in flight: its ``before`` recorded it first."""
        iterator = iter(batches)
        sent = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cleverreach-send") as sender:
            before(sent)
            self._last = self.clock()
            pending = sender.submit(next, iterator, _END)
            while True:
                batch = pending.result()
                if batch is _END:
                    return
                sent += size(batch)  # type: ignore[arg-type]
                before(sent)
                self._last = self.clock()
                pending = sender.submit(next, iterator, _END)
                yield batch  # type: ignore[misc]

    def pages(self, pages: Iterable[T]) -> Iterator[T]:
        """A paged read with a heartbeat after a page whenever the last one is ``READ_HEARTBEAT_SECONDS`` old."""
        for page in pages:
            if self.clock() - self._last >= self.READ_HEARTBEAT_SECONDS:
                self.check()
            yield page
