"""Contact keys column-wise: whatever type the CRM's driver gives a key column, the keys are the same text; and a
column's text, whether Arrow or Python objects hold it."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from cleverreach.crm.keys import as_key
from cleverreach.sync.keys import (
    NO_KEY,
    all_distinct,
    as_text,
    email_keys,
    first_positions,
    isin_keys,
    key_array,
    key_column,
    key_order,
)


@pytest.mark.parametrize("column", [
    pd.Series([7, 12, 100]),  # integer (SQLite, an integer column without NULLs)
    pd.Series([7, 12, 100], dtype=object),  # Python ints in an object column
    pd.Series([Decimal("7"), Decimal("12"), Decimal("100")]),  # NUMERIC(10) keys (PostgreSQL, many ERPs)
    pd.Series(["7", "12", "100"], dtype="str"),  # text keys read from the database
    pd.Series(["7", "12", "100"], dtype=object),
], ids=["int64", "object-int", "decimal", "str", "object-str"])
def test_every_driver_type_gives_the_same_text_keys(column):
    keys = key_column(column)
    assert keys.tolist() == ["7", "12", "100"] and keys.dtype == object
    assert all(type(key) is str for key in keys)
    assert keys.tolist() == [as_key(value) for value in column]


def test_missing_keys_are_none_and_no_key_in_arrays():
    floats = key_column(pd.Series([7.0, np.nan, 9.0]))
    decimals = key_column(pd.Series([Decimal("7"), None], dtype=object))
    assert floats.isna().tolist() == [False, True, False] and floats[[0, 2]].tolist() == ["7", "9"]
    assert decimals.isna().tolist() == [False, True] and decimals[0] == "7"
    assert key_array(pd.Series(["a", None], dtype="str")).tolist() == ["a", ""]


def test_numeric_keys_order_by_number_text_keys_by_text():
    assert key_order(pd.Series([10, 9])).tolist() == [10, 9]
    assert key_order(pd.Series(["10", "9"], dtype="str")).tolist() == ["10", "9"]


def test_text_of_a_column_is_the_same_from_arrow_and_from_objects():
    arrow = pd.Series(["a@x.org", None, " b "], dtype="str")
    assert as_text(arrow).tolist() == as_text(arrow.astype(object)).tolist() == ["a@x.org", "", " b "]
    assert as_text(arrow).dtype == arrow.dtype  # stays as it is stored
    assert as_text(pd.Series([7, None], dtype=object)).tolist() == ["7", ""]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("value_set_rows", [250_000, 1, 7])  # Arrow's table of all values, or of parts in turn
def test_first_positions_in_arrow_and_in_pandas_are_the_first_occurrence(monkeypatch, seed, value_set_rows):
    """Arrow's hash table (both columns Arrow text) and pandas' (any other) give the row of the first occurrence,
    -1 for none, with repeats, NULLs, '' and keys that look like numbers; a table of a part of the values at a
    time gives the same rows."""
    import cleverreach.sync.keys as keys

    monkeypatch.setattr(keys, "VALUE_SET_ROWS", value_set_rows)
    rng = np.random.default_rng(seed)
    pool = ["", "7", "007", "7.0", "anna@example.org", "ANNA@example.org", "jürgen@bücher.example", None]
    index = [pool[i] for i in rng.integers(0, len(pool), 40)]
    lookup = [pool[i] for i in rng.integers(0, len(pool), 60)] + ["nowhere"]
    expected = [next((row for row, value in enumerate(index) if value == wanted), -1) if wanted is not None
                else next((row for row, value in enumerate(index) if value is None), -1) for wanted in lookup]
    arrow = first_positions(pd.Series(index, dtype="str"), pd.Series(lookup, dtype="str"))
    objects = first_positions(pd.Series(index, dtype=object), pd.Series(lookup, dtype=object))
    assert arrow.dtype == objects.dtype == np.dtype("int64")
    assert arrow.tolist() == expected and objects.tolist() == expected
    mixed = first_positions(pd.Series(index, dtype="str"), pd.Series(lookup, dtype=object))  # one side not Arrow
    assert mixed.tolist() == expected

    def in_pieces(values: list, size: int) -> pd.Series:  # as a frame read page by page stores it
        return pd.concat([pd.Series(values[at:at + size], dtype="str") for at in range(0, len(values), size)],
                         ignore_index=True)

    index_pieces, lookup_pieces = in_pieces(index, 7), in_pieces(lookup, 9)
    if index_pieces.dtype.storage == "pyarrow":
        import pyarrow as pa

        assert pa.array(index_pieces.array).num_chunks > 1 and pa.array(lookup_pieces.array).num_chunks > 1
    assert first_positions(index_pieces, lookup_pieces).tolist() == expected


@pytest.mark.parametrize("value_set_rows", [250_000, 2])
@pytest.mark.parametrize("dtype", ["str", object])
def test_all_distinct_as_pandas_is_unique(monkeypatch, dtype, value_set_rows):
    import cleverreach.sync.keys as keys

    monkeypatch.setattr(keys, "VALUE_SET_ROWS", value_set_rows)
    cases = [[], ["a"], ["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "a"], ["a", "A"], ["7", "07", "7.0"],
             ["a", None, "b"], [None, "a", None], ["", None], ["x", "y", "z", "x"]]
    for values in cases:
        series = pd.Series(values, dtype=dtype)
        assert all_distinct(series) == pd.Index(series).is_unique == (len(set(values)) == len(values)), values


def test_first_positions_of_nothing():
    assert first_positions(pd.Series([], dtype="str"), pd.Series(["a"], dtype="str")).tolist() == [-1]
    assert first_positions(pd.Series(["a"], dtype="str"), pd.Series([], dtype="str")).tolist() == []


def test_addresses_that_are_their_own_keys_share_their_column():
    """Lower-case trimmed addresses (CleverReach's) are their keys: one column of text, not two."""
    pa = pytest.importorskip("pyarrow")
    stored = pd.Series(["anna@example.org", "bo@example.org", None], dtype="str")
    keys = email_keys(stored)
    assert keys.tolist() == ["anna@example.org", "bo@example.org", ""]
    own = pd.Series(["anna@example.org", "bo@example.org"], dtype="str")
    shared = email_keys(own)
    assert pa.array(shared.array).buffers()[2].address == pa.array(own.array).buffers()[2].address
    shared.iloc[0] = "changed@example.org"  # copy-on-write: the addresses stay as they were
    assert own.tolist() == ["anna@example.org", "bo@example.org"]


@pytest.mark.parametrize("dtype", ["str", object])
def test_addresses_that_are_not_their_keys_get_their_own(dtype):
    stored = pd.Series([" Anna@Example.ORG", "jürgen@bücher.example", "bo@example.org"], dtype=dtype)
    assert email_keys(stored).tolist() == ["anna@example.org", "jürgen@xn--bcher-kva.example", "bo@example.org"]
    assert stored.tolist()[0] == " Anna@Example.ORG"


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("slice_rows", [1, 3, 100_000])
def test_differs_at_compares_the_rows_given_a_slice_at_a_time(monkeypatch, dtype, slice_rows):
    import cleverreach.sync.keys as keys

    monkeypatch.setattr(keys, "COMPARE_SLICE", slice_rows)
    left = pd.Series(["a", "b", None, "7", "", "x"], dtype=dtype)
    right = pd.Series(["x", "7", "b", None, "a", ""], dtype=dtype)
    left_rows, right_rows = np.array([0, 1, 2, 3, 4, 5, 0]), np.array([4, 0, 3, 1, 5, 0, 0])
    # a == a, b != x, missing != missing (a missing value differs), 7 == 7, '' == '', x == x, a != x
    assert keys.differs_at(left, left_rows, right, right_rows).tolist() == [False, True, True, False, False, False, True]
    assert keys.differs_at(left, left_rows[:0], right, right_rows[:0]).tolist() == []
    # runs of consecutive rows (taken as slices) on either side, and on both
    assert keys.differs_at(left, np.arange(6), right, np.arange(6)).tolist() == [True, True, True, True, True, True]
    assert keys.differs_at(left, np.arange(1, 4), right, np.array([1, 2, 3])).tolist() == [True, True, True]
    assert keys.differs_at(left, np.array([3, 1]), right, np.arange(1, 3)).tolist() == [False, False]


def test_shared_keys_are_the_other_frames_strings_with_the_same_values():
    from cleverreach.sync.keys import shared_keys

    like = pd.Series(["".join(["1", "2"]), "7", "anna"], dtype=object)  # strings built at run time: not interned
    keys = pd.Series(["".join(["1", "2"]), "99", None, "".join(["an", "na"])], index=[5, 6, 7, 8], dtype=object)
    assert keys[5] is not like[0]
    shared = shared_keys(keys, like)
    assert shared.tolist() == ["12", "99", None, "anna"] and shared.index.tolist() == [5, 6, 7, 8]
    assert shared[5] is like[0] and shared[8] is like[2]  # one string object for both frames
    assert keys[5] is not like[0]  # the caller's column as it was
    arrow = pd.Series(["12"], dtype="str")
    assert shared_keys(arrow, like) is arrow and shared_keys(keys, arrow) is keys  # text in Arrow: nothing to share
    assert shared_keys(keys.iloc[:0], like).empty


@pytest.mark.parametrize("left_size, right_size", [(0, 50), (50, 0), (3, 2000), (2000, 3), (300, 300)])
def test_isin_keys_is_membership_whichever_side_is_longer(left_size, right_size):
    rng = np.random.default_rng(left_size * 7 + right_size)
    pool = np.array([str(n) for n in range(400)] + [NO_KEY, None], dtype=object)
    left = pool[rng.integers(0, len(pool), left_size)] if left_size else np.array([], dtype=object)
    right = pool[rng.integers(0, len(pool), right_size)] if right_size else np.array([], dtype=object)
    expected = np.array([any((v is None and w is None) or v == w for w in right) for v in left], dtype=bool)
    assert isin_keys(left, right).tolist() == expected.tolist()
    assert isin_keys(left, pd.Series(right, dtype=object)).tolist() == expected.tolist()
