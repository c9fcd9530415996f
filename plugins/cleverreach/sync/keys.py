"""Keys column-wise for the sync: e-mail keys of a whole frame (``cleverreach.email_keys`` defines the key of
one address; here only the rare non-ASCII addresses go through IDNA, each distinct domain once) and contact
keys as the integration's text (``cleverreach.crm.keys``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cleverreach.crm.keys import as_key
from cleverreach.email_keys import email_key


def as_text(series: pd.Series) -> pd.Series:
    """The column as text, '' for null: a text column stays as it is stored (in Arrow, a million Python strings
    otherwise); any other is turned into text value by value."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.fillna("")
    return series.astype("object").where(series.notna(), "").astype(str)


def email_keys(emails: pd.Series) -> pd.Series:
    """The keys of many addresses; missing values become ''. Where every address is its own key already (as
    CleverReach and most CRMs store them: trimmed, lower case), the addresses' own column is the keys' column,
    not a second copy of a million addresses."""
    text = as_text(emails)
    keys = text.str.strip().str.lower()
    unicode_rows = ~keys.str.isascii().astype(bool)
    if unicode_rows.any():
        keys = keys.astype("object")
        keys[unicode_rows] = keys[unicode_rows].map(email_key)
    keys = keys.astype("str")
    if text.dtype == keys.dtype and bool((keys == text).all()):
        return text.copy(deep=False)  # copy-on-write: the two columns share the text until one is changed
    return keys


# ---------------------------------------------------------------------- contact keys, column-wise
NO_KEY = ""
"""An array's "no contact" (``cleverreach.crm.keys.as_key`` never makes an empty key)."""


def key_column(values: pd.Series | Any) -> pd.Series:
    """Contact keys as the integration's text (``as_key``), column-wise: a column of Python ``str`` (object
    dtype: ``isin`` and ``==`` on it run in pandas' hash tables, where Arrow-backed text takes a slow path),
    missing (``pd.isna``) where there is no key. An integer column (the demo CRM's) is converted in one step;
    only a column of mixed values goes value by value."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    dtype = series.dtype
    if len(series) == 0:
        return pd.Series([], index=series.index, dtype=object)
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if not series.hasnans:
            return series.astype("int64").astype(str).astype(object)
    elif pd.api.types.is_float_dtype(dtype):  # an integer column with NULLs, as pandas reads it
        present = series.notna().to_numpy(dtype=bool)
        whole = series[present]
        if (whole % 1 == 0).all() and (whole.abs() < 2**63).all():
            out = pd.Series(np.full(len(series), None, dtype=object), index=series.index, dtype=object)
            out[present] = whole.astype("int64").astype(str).astype(object).to_numpy()
            return out
    elif dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string":
        return series
    elif isinstance(dtype, pd.StringDtype) and not series.hasnans:  # not object: its values may be numbers
        return series.astype(object)
    return series.astype(object).map(_as_key_or_none).astype(object)


def _as_key_or_none(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA else as_key(value)


def key_array(values: pd.Series | Any) -> np.ndarray:
    """Keys as a numpy object array, ``NO_KEY`` where there is none (for comparisons over a million rows)."""
    column = key_column(values)
    array = column.to_numpy(dtype=object)
    if column.hasnans:
        array = np.where(pd.isna(array), NO_KEY, array).astype(object)
    return array


def isin_keys(values: np.ndarray | pd.Series, candidates: Any) -> np.ndarray:
    """``np.isin`` for text keys through pandas' hash table (numpy sorts object arrays, Python-slow)."""
    left = pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)
    right = np.asarray(candidates if not isinstance(candidates, pd.Index | pd.Series) else candidates.to_numpy(dtype=object),
                       dtype=object)
    if left.empty or len(right) == 0:
        return np.zeros(len(left), dtype=bool)
    if len(right) > len(left):
        # pandas hashes the candidates: the few removals' contacts against a million members' keys built a table of
        # a million (about 40 MB) to look up none. The shorter side is hashed instead, and only its hits kept.
        right = right[pd.Series(right, dtype=object, copy=False).isin(left.to_numpy()).to_numpy(dtype=bool)]
    return left.isin(right).to_numpy(dtype=bool)


def shared_keys(keys: pd.Series, like: pd.Series) -> pd.Series:
    """``keys`` (contact keys, Python strings), each one that ``like`` holds too replaced by ``like``'s own string:
    the same contacts' keys in the desired state and in the ownership record are then one million strings in
    memory, not two (44 MB at a million). Equal values, so nothing that compares them changes."""
    if keys.dtype != object or like.dtype != object or keys.empty or like.empty:
        return keys
    position = first_positions(like, keys)
    found = position >= 0
    if not found.any():
        return keys
    values = keys.to_numpy(dtype=object, copy=True)
    values[found] = like.to_numpy(dtype=object)[position[found]]
    return pd.Series(values, index=keys.index, dtype=object, name=keys.name)


def first_positions(index_values: pd.Series, lookup: pd.Series) -> np.ndarray:
    """Per ``lookup`` value, the row of ``index_values`` that holds it (the first such row), -1 where none does.

    Where both columns are Arrow text (pandas' ``str`` with pyarrow installed), Arrow's own hash table does it:
    pandas' ``get_indexer`` first turns each column into a million Python strings, and took two and a half times
    as long. Otherwise ``get_indexer``, over the first occurrences where a value repeats. A missing value finds
    a missing one, as in both hash tables."""
    if index_values.empty or lookup.empty:
        return np.full(len(lookup), -1, dtype="int64")
    index_arrow, lookup_arrow = _arrow_text(index_values), _arrow_text(lookup)
    if index_arrow is not None and lookup_arrow is not None:
        return _arrow_positions(index_arrow, lookup_arrow)
    if index_values.dtype != lookup.dtype:  # NaN and None are both "missing": one spelling for both sides
        index_values, lookup = _objects(index_values), _objects(lookup)
    index = pd.Index(index_values)
    if not index.is_unique:
        first = np.flatnonzero(~index.duplicated(keep="first"))
        found = pd.Index(index_values.iloc[first]).get_indexer(lookup)
        return np.where(found >= 0, first[np.maximum(found, 0)], -1).astype("int64")
    return index.get_indexer(lookup).astype("int64", copy=False)


#: values in one of Arrow's hash tables at a time (:func:`first_positions`): the table of a million e-mail keys
#: costs 69 MB while it lives (a copy of the text and the slots), four of 250,000 in turn 18 MB, for 0.1 to 0.3 s
#: more (each probes every value looked up)
VALUE_SET_ROWS = 250_000


def _arrow_positions(values: Any, lookup: Any) -> np.ndarray:
    """``index_in`` over ``values`` a part of ``VALUE_SET_ROWS`` at a time; an earlier part's row wins, so the
    result is the first row holding the value, as one table's."""
    import pyarrow.compute as pc

    if len(values) <= VALUE_SET_ROWS:
        return pc.index_in(lookup, value_set=values).fill_null(-1).to_numpy().astype("int64")
    positions = np.full(len(lookup), -1, dtype="int64")
    for start in range(0, len(values), VALUE_SET_ROWS):
        found = pc.index_in(lookup, value_set=values.slice(start, VALUE_SET_ROWS)).fill_null(-1).to_numpy()
        new = (found >= 0) & (positions < 0)
        positions[new] = found[new] + start
    return positions


def all_distinct(values: pd.Series) -> bool:
    """No value twice (a missing value counts as one value). Arrow text is looked up in its own hash tables of
    ``VALUE_SET_ROWS``: pandas' ``is_unique`` first makes a million Python strings of it (98 MB more while it
    ran)."""
    arrow = _arrow_text(values)
    if arrow is None:
        return bool(pd.Index(values).is_unique)
    import pyarrow.compute as pc

    # A value twice is found in the part that holds its first row, at a row not its own; each part's lookups
    # are checked as they come, so no positions of a million rows are kept.
    for start in range(0, len(arrow), VALUE_SET_ROWS):
        found = pc.index_in(arrow, value_set=arrow.slice(start, VALUE_SET_ROWS)).fill_null(-1).to_numpy()
        rows = np.flatnonzero(found >= 0)
        if not np.array_equal(found[rows] + start, rows):
            return False
    return True


#: rows compared at a time by :func:`differs_at`
COMPARE_SLICE = 100_000


def differs_at(left: pd.Series, left_rows: np.ndarray, right: pd.Series, right_rows: np.ndarray) -> np.ndarray:
    """Row-wise ``left[left_rows] != right[right_rows]`` on the columns' own arrays (no index alignment; a missing
    value differs), a slice at a time: the two columns' copies in the rows' order are a few megabytes at once, not
    two copies of a million values."""
    differs = np.zeros(len(left_rows), dtype=bool)
    for start in range(0, len(left_rows), COMPARE_SLICE):
        at = slice(start, start + COMPARE_SLICE)
        result = _rows(left.array, left_rows[at]) != _rows(right.array, right_rows[at])
        differs[at] = result.to_numpy(dtype=bool, na_value=True) if hasattr(result, "to_numpy") else np.asarray(result, bool)
    return differs


def _rows(array: Any, rows: np.ndarray) -> Any:
    """``array.take(rows)``; a run of consecutive rows (every matched member, in order) as a slice, which copies
    nothing."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and bool((np.diff(rows) == 1).all()):
        return array[rows[0] : rows[-1] + 1]
    return array.take(rows)


def _objects(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None)


def _arrow_text(series: pd.Series) -> Any:
    """The column's Arrow array where it is text stored in Arrow, else None; in the chunks it is stored in (a
    frame built page by page has hundreds): ``index_in`` takes them as they are, where a combined copy of both
    columns cost 50 MB more at a million rows, and time."""
    dtype = series.dtype
    if not isinstance(dtype, pd.StringDtype) or dtype.storage != "pyarrow":
        return None
    import pyarrow as pa

    return pa.array(series.array)


def key_order(raw: pd.Series) -> pd.Series:
    """The order of contact keys where the lowest one counts (the owner of a shared address): a numeric column
    by its numbers, as before keys became text; text by its text."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return raw
    return key_column(raw).astype("str")
