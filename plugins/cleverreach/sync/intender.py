"""Ownership intents recorded ahead of the sends that need them.

Every batch's intents are committed before the batch is sent (``sync.intents``), a window of ``SETTLE_BATCHES``
batches at a time. Recorded in the sending thread, each window's intents (ten thousand rows, about 45 ms on
PostgreSQL) held the next send back: a hundred times in a million-member first sync. Where the databases take two
writers (``sync.settler.side_by_side``) the next window's intents are recorded in a worker thread while this
window's batches are sent, and a batch waits only for intents not committed yet. SQLite (one writer per file) keeps
recording them in the sending thread.

Intents recorded ahead for rows a run never sends (it failed first) are harmless: the next run finds no receiver
of theirs and drops them (``sync.intents.resolve_intents``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import pandas as pd


class Intender:
    """``Fence.ahead``'s check before each send of one kind of write (:meth:`before`): the intents of the rows
    the batch can hold are committed (``record``, which beats the lease in their transaction), else the lease is
    checked (``check``)."""

    def __init__(self, rows: pd.DataFrame, *, window: int, batch_size: Callable[[], int],
                 record: Callable[[pd.DataFrame], None], check: Callable[[], None], background: bool) -> None:
        """``rows``: the plan's rows of this kind of write, in their order of sending; ``window``: batches whose
        intents are recorded together; ``batch_size``: the hook's batch size now (it shrinks after a 413)."""
        self.rows = rows
        self.window = window
        self.batch_size = batch_size
        self.record = record
        self.check = check
        self.ready = 0  # rows [0, ready) have their intents committed
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cleverreach-intend") if background else None
        self._ahead: Future[None] | None = None
        self._ahead_end = 0

    def __enter__(self) -> Intender:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Wait for intents under way (a run that stops leaves them to its next run); never raises."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def before(self, sent: int) -> None:
        """Before the send of the batch that starts at row ``sent``: its intents committed, the lease held."""
        size, total = self.batch_size(), len(self.rows)
        if self._ahead is not None and not self._covered(sent, size):
            ahead, self._ahead = self._ahead, None
            ahead.result()  # the worker's error (a lost lease) is the send's
            self.ready = self._ahead_end
        if self._covered(sent, size):
            self.check()  # the intents' own heartbeat may be a window old
        else:
            end = min(total, sent + size * self.window)
            self.record(self.rows.iloc[sent:end])
            self.ready = end
        if self._pool is not None and self._ahead is None and self.ready < total:
            start, self._ahead_end = self.ready, min(total, self.ready + size * self.window)
            self._ahead = self._pool.submit(self.record, self.rows.iloc[start : self._ahead_end])

    def _covered(self, sent: int, size: int) -> bool:
        """Nothing is left to send from ``sent`` on, or the next ``size`` rows have their intents."""
        return sent >= len(self.rows) or self.ready >= len(self.rows) or sent + size <= self.ready
