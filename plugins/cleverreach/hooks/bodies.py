"""The request bodies of a bulk write, each built while the batch before it is on the wire.

A batch of a thousand receivers is a thousand dicts turned into JSON: a few milliseconds of this process's
CPU that used to sit between two calls, while CleverReach (the emulator, in the bench) waited. One worker
thread builds the next batch's body while the current one is sent; the calls still go one at a time, as the
API reference recommends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

Body = tuple[list[str], bytes]  # the batch's keys and its JSON


@runtime_checkable
class EncodedItems(Protocol):
    """Items that encode a slice of themselves as the JSON array the hook sends, with each item's e-mail, faster
    than a dict per item through ``json.dumps`` (``sync.plan.Payloads``); None where they cannot (then the dicts
    go). The JSON may keep non-ASCII characters as UTF-8 where ``requests`` would escape them: the same JSON."""

    def encoded(self, start: int, stop: int) -> Body | None: ...


class BatchBodies:
    """``items[start:start + size]`` as (keys, JSON body), the next batch of the same size built ahead.

    ``keys`` name the items in the results; without them, each item's ``email``. The body is what ``requests``
    sends for ``json=`` (``json.dumps`` without NaN), or the items' own (:class:`EncodedItems`); a batch of
    another size than the one built ahead (after a 413) is built at once, and the one built ahead is dropped."""

    def __init__(self, items: Sequence[Any], keys: Sequence[str] | None = None) -> None:
        self.items = items
        self.keys = keys
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cleverreach-body")
        self._ahead: tuple[tuple[int, int], Future[Body]] | None = None

    def __enter__(self) -> BatchBodies:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def take(self, start: int, size: int) -> Body:
        """The batch at ``start`` of at most ``size`` items; the one after it is built from now on."""
        ahead, self._ahead = self._ahead, None
        body = ahead[1].result() if ahead is not None and ahead[0] == (start, size) else self.build(start, size)
        following = start + len(body[0])
        if following < len(self.items):
            self._ahead = ((following, size), self._pool.submit(self.build, following, size))
        return body

    def build(self, start: int, size: int) -> Body:
        stop = min(start + size, len(self.items))
        built = self.items.encoded(start, stop) if isinstance(self.items, EncodedItems) else None
        if built is not None:
            emails, body = built
            return (emails if self.keys is None else [str(key) for key in self.keys[start:stop]]), body
        chunk = list(self.items[start : start + size])  # lazily built items are built once, here
        if self.keys is None:
            keys = [str(item.get("email", "")) for item in chunk]
        else:
            keys = [str(key) for key in self.keys[start : start + len(chunk)]]
        return keys, json.dumps(chunk, allow_nan=False).encode("utf-8")
