"""Write windows settled beside the sends: in order, at most ``queued`` waiting, a window's error reaches the caller;
inline where the databases take one writer (SQLite)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine

from cleverreach.sync.settler import Settler, side_by_side


def test_windows_are_settled_in_order_in_one_other_thread():
    done: list[tuple[int, str]] = []
    with Settler(background=True) as settler:
        for window in range(6):
            settler.submit(lambda window=window: done.append((window, threading.current_thread().name)))
        settler.drain()
    assert [window for window, _ in done] == list(range(6))
    assert {name for _, name in done} == {done[0][1]} and done[0][1].startswith("cleverreach-settle")


def test_inline_settles_at_once_in_the_callers_thread():
    done: list[str] = []
    with Settler(background=False) as settler:
        settler.submit(lambda: done.append(threading.current_thread().name))
        assert done == [threading.current_thread().name]


def test_at_most_queued_windows_wait_and_the_sender_is_held_back():
    release = threading.Event()
    started: list[int] = []

    def slow(window: int) -> None:
        started.append(window)
        release.wait(5)

    with Settler(background=True, queued=2) as settler:
        settler.submit(lambda: slow(0))
        settler.submit(lambda: slow(1))
        third = threading.Thread(target=settler.submit, args=(lambda: slow(2),))
        third.start()
        third.join(0.3)
        assert third.is_alive()  # two windows wait: the third submit waits with the sender
        release.set()
        third.join(5)
        settler.drain()
    assert started == [0, 1, 2]


def test_a_failed_window_stops_the_next_submit_and_the_drain_raises_the_first_error():
    def fails() -> None:
        raise RuntimeError("the state database went away")

    with Settler(background=True) as settler:
        settler.submit(fails)
        with pytest.raises(RuntimeError, match="went away"):
            for _ in range(100):  # the window fails in the worker: a later submit raises its error
                settler.submit(lambda: None)
                threading.Event().wait(0.01)
    done: list[int] = []
    gate = threading.Event()

    def fails_once_both_wait() -> None:
        gate.wait(5)
        fails()

    with Settler(background=True) as settler:
        settler.submit(fails_once_both_wait)
        settler.submit(lambda: done.append(1))
        gate.set()
        with pytest.raises(RuntimeError, match="went away"):
            settler.drain()
    assert done == [1]  # the windows after it still ran: their rows are settled, not left to the intents


def test_only_databases_that_take_two_writers_settle_beside_the_sends(tmp_path):
    sqlite = create_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    postgres = create_engine("postgresql+psycopg2://u@127.0.0.1/db")  # never connected
    assert side_by_side(postgres, postgres)
    assert not side_by_side(postgres, sqlite) and not side_by_side(sqlite, sqlite)
