"""A bulk write's bodies: the JSON ``requests`` would send, the next batch built while the last is sent."""

from __future__ import annotations

import json
import threading

import pytest

from cleverreach.hooks.bodies import BatchBodies


class Items(list):
    """Items that record which slices were built, and from which thread."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.built: list[tuple[int, int, str]] = []

    def __getitem__(self, index):
        if isinstance(index, slice):
            self.built.append((index.start, index.stop, threading.current_thread().name))
        return super().__getitem__(index)


def test_each_batch_is_the_json_requests_would_send_and_the_next_is_built_ahead():
    items = Items({"email": f"p{i}@example.org", "global_attributes": {"firstname": "Jürgen"}} for i in range(5))
    with BatchBodies(items) as bodies:
        keys, body = bodies.take(0, 2)
        assert keys == ["p0@example.org", "p1@example.org"]
        assert body == json.dumps(items[0:2], allow_nan=False).encode("utf-8")  # what json= sends: ASCII escapes
        assert bodies.take(2, 2)[0] == ["p2@example.org", "p3@example.org"]
        assert bodies.take(4, 2)[0] == ["p4@example.org"]
    built = [entry for entry in items.built if entry[2] != threading.current_thread().name]
    assert [(start, stop) for start, stop, _ in built] == [(2, 4), (4, 6)]  # batches 2 and 3 built in the worker


def test_a_smaller_batch_after_a_413_is_built_at_once_and_keys_name_the_items():
    items = Items(["r1", "r2", "r3", "r4"])
    with BatchBodies(items, keys=["k1", "k2", "k3", "k4"]) as bodies:
        assert bodies.take(0, 2) == (["k1", "k2"], b'["r1", "r2"]')
        assert bodies.take(2, 1) == (["k3"], b'["r3"]')  # the batch built ahead (2, 2) is not used
        assert bodies.take(3, 1) == (["k4"], b'["r4"]')


def test_a_nan_is_refused_as_requests_refuses_it():
    with BatchBodies([{"email": "a@example.org", "x": float("nan")}]) as bodies, pytest.raises(ValueError):
        bodies.take(0, 10)


class Encoded(list):
    """Items that encode their own slices (``EncodedItems``), or decline to (None)."""

    def __init__(self, *args, declines: bool = False) -> None:
        super().__init__(*args)
        self.declines = declines

    def encoded(self, start: int, stop: int):
        if self.declines:
            return None
        return [item["email"] for item in self[start:stop]], json.dumps(self[start:stop], ensure_ascii=False).encode()


def test_items_that_encode_themselves_are_sent_as_they_encode_them_with_their_keys():
    items = Encoded({"email": f"p{i}@example.org", "global_attributes": {"firstname": "Jürgen"}} for i in range(3))
    with BatchBodies(items) as bodies:
        keys, body = bodies.take(0, 2)
        assert keys == ["p0@example.org", "p1@example.org"]
        assert body == json.dumps(items[0:2], ensure_ascii=False).encode("utf-8")  # theirs: UTF-8, not escapes
        assert bodies.take(2, 2) == (["p2@example.org"], json.dumps(items[2:3], ensure_ascii=False).encode())
    with BatchBodies(items, keys=["k0", "k1", "k2"]) as bodies:
        assert bodies.take(1, 5)[0] == ["k1", "k2"]


def test_items_that_decline_to_encode_a_slice_are_sent_as_dicts():
    items = Encoded([{"email": "a@example.org", "x": "Jürgen"}], declines=True)
    with BatchBodies(items) as bodies:
        assert bodies.take(0, 5) == (["a@example.org"], json.dumps(list(items), allow_nan=False).encode())
