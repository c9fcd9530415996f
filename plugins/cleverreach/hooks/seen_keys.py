"""The keys of the rows a paged read has yielded, so that it yields each row once (``hooks.paging``).

A group of a million receivers means a million keys held until its read ends. As Python strings in a set
they cost about 90 MB, the largest part of a group read's memory beside the frame it builds. Integer keys
(CleverReach's receiver ids) are kept here in sorted numpy blocks instead, 8 bytes each; any other key (a
text id, an e-mail) stays in a set. No hashing: equal keys are found exactly.

The blocks are merged as in a log-structured merge tree, a block with the one before it once that one is at
most twice its size: a read of ``n`` keys holds O(log n) blocks, and a page is looked up in each with a
binary search.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported on the first page: a DAG file that imports the hook must not pay for it
    import numpy as np

_INT64 = (-(2**63), 2**63)


class SeenKeys:
    """Keys seen so far; :meth:`add_new` tells a page's new ones and remembers them."""

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []  # sorted int64, disjoint
        self._others: set[Hashable] = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: Hashable) -> bool:
        import numpy as np

        if _is_int64(key):
            return bool(self._contains(np.array([key], dtype=np.int64))[0])  # type: ignore[list-item]
        return key in self._others

    def add_new(self, keys: Sequence[Hashable]) -> list[bool]:
        """Per key, True where it was not seen before (nor earlier in ``keys``); all of them are seen after."""
        import numpy as np

        if all(type(key) is int for key in keys):
            try:
                return self._add_ints(np.array(keys, dtype=np.int64)).tolist()
            except OverflowError:  # an integer beyond 64 bits: the set keeps it
                pass
        new = [False] * len(keys)
        at = [index for index, key in enumerate(keys) if _is_int64(key)]
        if at:
            fresh = self._add_ints(np.fromiter((keys[index] for index in at), dtype=np.int64, count=len(at)))
            for index, is_new in zip(at, fresh.tolist()):
                new[index] = is_new
        if len(at) < len(keys):
            others, taken = self._others, set(at)
            for index, key in enumerate(keys):
                if index not in taken and key not in others:
                    others.add(key)
                    new[index] = True
                    self._count += 1
        return new

    def _add_ints(self, ints: np.ndarray) -> np.ndarray:
        import numpy as np

        order = np.argsort(ints, kind="stable")  # stable: of repeats within the page, the first comes first
        ordered = ints[order]
        fresh_ordered = np.ones(len(ints), dtype=bool)
        fresh_ordered[1:] = ordered[1:] != ordered[:-1]
        fresh_ordered &= ~self._contains(ordered)
        fresh = np.empty(len(ints), dtype=bool)
        fresh[order] = fresh_ordered
        if fresh_ordered.any():
            self._insert(ordered[fresh_ordered])  # sorted and distinct
        return fresh

    def _contains(self, ints: np.ndarray) -> np.ndarray:
        """``ints`` found in a block; sorted ``ints`` are looked up in a fraction of the time (cache locality)."""
        import numpy as np

        found = np.zeros(len(ints), dtype=bool)
        for block in self._blocks:
            at = np.minimum(np.searchsorted(block, ints), len(block) - 1)
            found |= block[at] == ints
        return found

    def _insert(self, block: np.ndarray) -> None:
        import numpy as np

        self._count += len(block)
        blocks = self._blocks
        blocks.append(block)
        while len(blocks) > 1 and len(blocks[-2]) <= 2 * len(blocks[-1]):
            last = blocks.pop()
            merged = np.concatenate([blocks.pop(), last])
            merged.sort(kind="stable")  # two sorted runs: timsort merges them in linear time
            blocks.append(merged)


def _is_int64(key: Hashable) -> bool:
    return type(key) is int and _INT64[0] <= key < _INT64[1]
