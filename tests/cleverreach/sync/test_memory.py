"""The sync's Arrow pool: jemalloc with a short decay, unless the operator of the machine chose a pool."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from cleverreach.sync.memory import POOL_ENV, return_freed_heap, return_freed_memory


@pytest.fixture
def default_pool():
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_the_sync_uses_jemalloc_and_its_frames_use_it(default_pool, monkeypatch):
    monkeypatch.delenv(POOL_ENV, raising=False)
    assert return_freed_memory() == "jemalloc"
    assert pa.default_memory_pool().backend_name == "jemalloc"
    allocated = pa.jemalloc_memory_pool().bytes_allocated()
    column = pa.array(["anna@example.org"] * 10_000)
    assert pa.jemalloc_memory_pool().bytes_allocated() > allocated  # the text went to the new pool
    del column


def test_a_pool_chosen_by_environment_is_kept(default_pool, monkeypatch):
    monkeypatch.setenv(POOL_ENV, "system")
    before = pa.default_memory_pool().backend_name
    assert return_freed_memory() is None
    assert pa.default_memory_pool().backend_name == before


def test_without_pyarrow_nothing_is_tuned(monkeypatch):
    """pyarrow is not a dependency (pandas runs without it): an Airflow installed without it syncs as before."""
    monkeypatch.delenv(POOL_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    assert return_freed_memory() is None


def _rss_kb() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_go_back_to_the_system():
    """Blocks under glibc's dynamic mmap threshold stay in the heap when freed; the trim returns their pages."""
    assert return_freed_heap()
    keep = []
    for _ in range(4000):  # 64 KB blocks: heap, not mmap; every second one is freed again
        keep.append(bytearray(64 * 1024))
    garbage, keep = keep[::2], keep[1::2]
    del garbage
    before = _rss_kb()
    assert return_freed_heap()
    assert before - _rss_kb() > 50 * 1024  # about 125 MB of freed blocks between live ones
    del keep


def test_without_malloc_trim_nothing_is_done(monkeypatch):
    import ctypes

    class NoTrim:  # a C library without the call (musl, macOS)
        def __init__(self, name):
            pass

    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    assert return_freed_heap() is False
