"""The pager's memory of keys read: the same answers as a set, for integer and other keys, in a fraction of
its memory."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from cleverreach.hooks.seen_keys import SeenKeys


def reference(pages: list[list]) -> list[list[bool]]:
    seen: set = set()
    answers = []
    for page in pages:
        answer = []
        for key in page:
            answer.append(key not in seen)
            seen.add(key)
        answers.append(answer)
    return answers


@pytest.mark.parametrize("seed", range(12))
def test_every_page_is_answered_as_a_set_answers_it(seed):
    rng = random.Random(seed)
    span = rng.choice([20, 500, 10**6])  # few distinct keys (many repeats) to almost none
    pages = [[rng.choice([rng.randrange(-span, span), f"email:{rng.randrange(span)}@x.org", 2**64 + rng.randrange(3)])
              if rng.random() < 0.1 else rng.randrange(-span, span) for _ in range(rng.randrange(0, 300))]
             for _ in range(rng.randrange(1, 60))]
    seen = SeenKeys()
    assert [seen.add_new(page) for page in pages] == reference(pages)
    every = {key for page in pages for key in page}
    assert len(seen) == len(every)
    assert all(key in seen for key in every)
    assert -span - 1 not in seen and "email:none" not in seen


def test_a_repeat_within_a_page_is_new_only_the_first_time():
    seen = SeenKeys()
    assert seen.add_new([5, 3, 5, "a", 3, "a", 9]) == [True, True, False, True, False, False, True]
    assert seen.add_new([9, 10, 10]) == [False, True, False]
    assert len(seen) == 5


def test_the_extremes_of_64_bits_and_beyond():
    seen = SeenKeys()
    keys = [-(2**63), 2**63 - 1, 2**63, -(2**63) - 1, 0]
    assert seen.add_new(keys) == [True] * 5
    assert seen.add_new(keys) == [False] * 5


def test_a_million_integer_keys_cost_a_fraction_of_a_set():
    pages = [list(range(start, start + 5000)) for start in range(10**7, 10**7 + 200_000, 5000)]
    tracemalloc.start()
    try:
        seen = SeenKeys()
        for page in pages:
            assert all(seen.add_new(page))
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(seen) == 200_000
    # a set of these 200,000 keys holds about 14 MB (its table and the ints); the blocks hold 8 bytes a key
    assert held < 4 * 2**20, held
