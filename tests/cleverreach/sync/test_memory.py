"""The sync's Arrow pool: jemalloc with a short decay, unless the operator of the machine chose a pool."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from cleverreach.sync.memory import POOL_ENV, return_freed_memory


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
