"""JSON texts of whole columns, joined by Arrow's kernels instead of a dict and an encoder call per row.

A first sync of a million sends a million receivers' bodies and stores a million change rows whose values are
JSON: a dict built and encoded per row, about 10 µs of the interpreter's lock each on a slow machine
(``docs/performance.md``, "JSON joined by Arrow"). Here a text column becomes JSON strings by one kernel (quotes
around it; a missing value ``null``), and the rows' objects by one more that joins those columns with the literal
text between them; the kernels run without the interpreter's lock. Only a value with a character JSON escapes (a
quote, a backslash, a control character) goes through the standard library's encoder, so each text is exactly
what ``json.dumps(..., ensure_ascii=False)`` writes: non-ASCII characters stay UTF-8, as JSON allows.

Pure: no I/O. ``pyarrow`` is imported where it is used, and only where it is installed (:func:`text_column`).
"""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

#: the characters ``json.dumps`` escapes in a string (the standard library's own ``ESCAPE``)
ESCAPED = r'["\\\x00-\x1f]'


def text_column(values: pd.Series) -> pa.Array | None:
    """The column as an Arrow array of text (missing values null), or None where it holds anything but text (a
    number, a date) or pyarrow is not installed (it is not a dependency: the extra ``columnar``): then the
    callers encode as before."""
    try:
        import pyarrow as pa
    except ImportError:
        return None

    try:
        array = pa.array(values.array, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array.cast(pa.large_string())
    if pa.types.is_null(array.type):  # only missing values
        return pa.nulls(len(array), pa.large_string())
    return None


def json_strings(array: pa.Array) -> pa.Array:
    """Each text as a JSON string (quoted, escaped as ``json.dumps`` escapes it), a null as ``null``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    quote = pa.scalar('"', pa.large_string())
    texts = pc.binary_join_element_wise(quote, array, quote, pa.scalar("", pa.large_string()))
    escaped = pc.fill_null(pc.match_substring_regex(array, ESCAPED), False)
    if pc.any(escaped).as_py():  # the few such texts, in their order, put where the mask is set
        encoded = [encode_basestring(text) for text in array.filter(escaped).to_pylist()]
        texts = pc.replace_with_mask(texts, escaped, pa.array(encoded, pa.large_string()))
    return pc.fill_null(texts, pa.scalar("null", pa.large_string()))


def joined(parts: Sequence[str | pa.Array]) -> pa.Array:
    """Row by row, the parts one after the other: a ``str`` is the same literal text in every row, an array is
    that row's text (JSON already: see :func:`json_strings`). At least one part is an array: it sets the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if all(isinstance(part, str) for part in parts):
        raise ValueError("joined() needs at least one array: the literal parts alone have no rows")
    pieces: list[Any] = [pa.scalar(part, pa.large_string()) if isinstance(part, str) else part for part in parts]
    result = pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string()))
    return result.combine_chunks() if isinstance(result, pa.ChunkedArray) else result


def json_objects(members: dict[str, pa.Array | str], *, sort_keys: bool = True) -> pa.Array:
    """Per row, the JSON object of these members (name: an array of JSON texts, see :func:`json_strings`, or one
    JSON text for every row), separated as ``json.dumps`` separates them; keys sorted as ``sort_keys=True``
    sorts them unless ``sort_keys`` is false (then in the dict's order)."""
    parts: list[str | pa.Array] = []
    for position, name in enumerate(sorted(members) if sort_keys else members):
        parts += [("{" if position == 0 else ", ") + encode_basestring(name) + ": ", members[name]]
    return joined([*parts, "}"])


def json_array(rows: pa.Array) -> bytes:
    """The rows' JSON texts as one JSON array in UTF-8, separated as ``json.dumps`` separates a list's items."""
    import pyarrow as pa
    import pyarrow.compute as pc

    one_list = pa.LargeListArray.from_arrays(pa.array([0, len(rows)], pa.int64()), rows.cast(pa.large_string()))
    text = pc.binary_join(one_list, pa.scalar(", ", pa.large_string()))[0]
    return b"[" + text.as_buffer().to_pybytes() + b"]"
