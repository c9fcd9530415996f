"""Memory a sync has freed goes back to the system at once: Arrow's pool, and glibc's heap between lists.

A sync of a million members builds and drops frames of a few hundred megabytes in turn (the members read in
chunks, the desired state, the group's receivers). Their text columns live in Arrow's default pool, mimalloc,
which keeps freed pages for later: the task's resident memory grew by what it had ever held, and a task that
syncs several lists started each with the last one's garbage. jemalloc returns them, for about 110 to 160 MB
less at the peak of that bench with a decay of 100 ms, and about 90 MB less again with none: the pages freed
in one step of the plan were still resident in the next (about 1,005 against 917 MB for the first sync of a
million, in the same time; docs/operations.md).

The pool is the process's; the task's process is the sync's own. Whoever chose a pool with
``ARROW_DEFAULT_MEMORY_POOL`` keeps it.

What is not Arrow's (numpy arrays, Python objects) is freed into glibc's heap, which keeps the pages of a
freed block under its dynamic mmap threshold (up to 32 MB): after each list, :func:`return_freed_heap` hands
them back (``malloc_trim``), so the next list of the task does not start on the last one's pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
#: how long jemalloc keeps freed pages before it returns them (its default is a second): not at all
DECAY_MS = 0


def return_freed_memory() -> str | None:
    """Make Arrow's default pool jemalloc that returns freed pages at once (``DECAY_MS``); the pool's name, or None
    where left as it was (a pool chosen with ``ARROW_DEFAULT_MEMORY_POOL``, a pyarrow built without jemalloc, or no
    pyarrow at all: an Airflow installed without it, as the compose image and an existing Airflow under the
    constraints are)."""
    if os.environ.get(POOL_ENV):
        return None
    try:
        import pyarrow as pa
    except ImportError:  # not a dependency: without it pandas keeps text in Python objects, and there is no pool
        return None
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(DECAY_MS)
    except NotImplementedError:
        return None
    pa.set_memory_pool(pool)
    return pool.backend_name


def return_freed_heap() -> bool:
    """glibc's ``malloc_trim(0)``: the free pages of the C heap back to the system; False where there is no such
    call (musl, macOS), which then keeps them as before."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True
