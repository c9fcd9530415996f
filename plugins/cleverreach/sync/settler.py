"""Settling write windows beside the sends: the database work of window k while CleverReach takes window k+1.

``PlanApplier`` sends a thousand receivers per call, one call at a time, and settles every ``SETTLE_BATCHES`` calls
(the ownership saved, the results marked). Settled in the sending thread, a window's database work (a quarter of a
second for ten thousand receivers on PostgreSQL) and the calls of the next window took turns: a million-member first
sync spent 19 s waiting for CleverReach and 25 s settling, one after the other. A :class:`Settler` runs the windows
in one worker thread, in order, while the caller goes on sending: the intents of every batch are still recorded
before it is sent (``sync.intents``), so a window settled late is as safe as one settled at once.

Only where the databases take writers side by side (not SQLite: one writer per file, and the sending thread records
intents and beats the lease while a window is settled). At most ``queued`` windows wait, so a slow database holds
the sends back instead of piling up rows; a window's error reaches the caller at its next submit or at
:meth:`Settler.drain`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from sqlalchemy import Engine


def side_by_side(*engines: Engine) -> bool:
    """Every one of ``engines`` takes writes from two connections at once (SQLite does not)."""
    return all(engine.dialect.name != "sqlite" for engine in engines)


class Settler:
    """Runs settle work in one worker thread, in order (``background``), or at once in the caller's thread."""

    def __init__(self, *, background: bool, queued: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cleverreach-settle") if background else None
        self._pending: deque[Future[None]] = deque()
        self.queued = queued

    @property
    def background(self) -> bool:
        """The work runs in the worker thread (else at once, in the caller's)."""
        return self._pool is not None

    def __enter__(self) -> Settler:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Wait for the windows under way (their rows are settled, or their intents stand for them); never raises."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def submit(self, work: Callable[[], None]) -> None:
        """Settle one window: at once, or in the worker once fewer than ``queued`` windows wait. Raises the error of
        an earlier window that failed (the caller stops sending)."""
        self._raise_finished()
        if self._pool is None:
            work()
            return
        while len(self._pending) >= self.queued:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(work))

    def drain(self) -> None:
        """Wait for every window submitted; the first error among them is raised once all have finished."""
        first: BaseException | None = None
        while self._pending:
            try:
                self._pending.popleft().result()
            except BaseException as error:  # noqa: BLE001 - the window's own error, raised below
                first = first or error
        if first is not None:
            raise first

    def _raise_finished(self) -> None:
        while self._pending and self._pending[0].done():
            self._pending.popleft().result()
