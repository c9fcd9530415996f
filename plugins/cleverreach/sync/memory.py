"""Arrow's memory pool for a sync: freed memory goes back to the system within a fraction of a second.

A sync of a million members builds and drops frames of a few hundred megabytes in turn (the members read in
chunks, the desired state, the group's receivers). Their text columns live in Arrow's default pool, mimalloc,
which keeps freed pages for later: the task's resident memory grew by what it had ever held, and a task that
syncs several lists started each with the last one's garbage. jemalloc with a short decay returns them, for
about 110 to 160 MB less at the peak of that bench (docs/operations.md).

The pool is the process's; the task's process is the sync's own. Whoever chose a pool with
``ARROW_DEFAULT_MEMORY_POOL`` keeps it.
"""

from __future__ import annotations

import os

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
#: how long jemalloc keeps freed pages before it returns them (its default is a second)
DECAY_MS = 100


def return_freed_memory() -> str | None:
    """Make Arrow's default pool jemalloc with a short decay; the pool's name, or None where left as it was
    (a pool chosen with ``ARROW_DEFAULT_MEMORY_POOL``, a pyarrow built without jemalloc, or no pyarrow at all: an
    Airflow installed without it, as the compose image and an existing Airflow under the constraints are)."""
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
