"""The actual state: a group's receivers as a frame, built page by page without keeping the JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cleverreach.hooks.responses import ReceiverRow
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.keys import email_keys

_COUNTERS = ("activated", "deactivated", "bounced")
#: receivers whose e-mail keys are made at once (``receivers_frame``)
KEYED_ROWS = 100_000
ACTUAL_COLUMNS = ["receiver_id", "email", "email_key", "ext_id", "activated", "deactivated", "bounced", *ATTRIBUTES]


def _int(value: object) -> int:
    try:
        return int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _ints(values: list[object]) -> list[int]:
    return [value if type(value) is int else _int(value) for value in values]


def _row(receiver: dict) -> ReceiverRow:
    """A receiver object read as a dict, as the typed row the hook decodes pages into."""
    return ReceiverRow(**{name: receiver.get(name) for name in ReceiverRow.__struct_fields__})


def receivers_frame(pages: Iterable[list[Any]], ext_id_attribute: str = "ext_id") -> pd.DataFrame:
    """Columns of ``ACTUAL_COLUMNS`` from pages of receivers (``global_attributes`` inside): the typed
    :class:`~cleverreach.hooks.responses.ReceiverRow` the hook decodes them into, or dicts.

    Each page becomes a typed chunk at once (one comprehension per field, C-level ``str``): a million
    receivers are never a million Python objects per column, and no loop body runs per receiver. The e-mail
    keys are made for ``KEYED_ROWS`` at a time: their intermediate columns for a million rows at the end of the
    read cost 100 MB, and per page they cost half a second more."""
    keyed: list[pd.DataFrame] = []
    chunks: list[pd.DataFrame] = []
    rows_read = 0
    for page in pages:
        rows = [r if type(r) is ReceiverRow else _row(r) for r in page]
        attrs = [a if isinstance(a, dict) else {} for a in [r.global_attributes for r in rows]]
        columns: dict[str, list] = {
            "receiver_id": list(map(str, ["" if r.id is None else r.id for r in rows])),
            "email": list(map(str, [r.email or "" for r in rows])),
            "ext_id": [str(a.get(ext_id_attribute) or "").strip() for a in attrs],
            "activated": _ints([r.activated for r in rows]),
            "deactivated": _ints([r.deactivated for r in rows]),
            "bounced": _ints([r.bounced for r in rows]),
            **{name: ["" if value is None else str(value) for value in [a.get(name) for a in attrs]] for name in ATTRIBUTES},
        }
        chunks.append(_typed(columns))
        rows_read += len(rows)
        if rows_read >= KEYED_ROWS:
            keyed.append(_with_keys(chunks))
            chunks, rows_read = [], 0
    if chunks:
        keyed.append(_with_keys(chunks))
    if not keyed:
        return actual_from_columns({name: [] for name in ACTUAL_COLUMNS if name != "email_key"})
    return pd.concat(keyed, ignore_index=True) if len(keyed) > 1 else keyed[0]


def _with_keys(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    frame["email_key"] = email_keys(frame["email"])
    return frame[ACTUAL_COLUMNS]


def _typed(columns: dict[str, list]) -> pd.DataFrame:
    """int64 counters, text everywhere else (each column built with its type, no inference)."""
    return pd.DataFrame({
        name: np.fromiter(values, dtype="int64", count=len(values)) if name in _COUNTERS else pd.Series(values, dtype="str")
        for name, values in columns.items()
    })


def actual_from_columns(columns: dict[str, list]) -> pd.DataFrame:
    """The typed frame of whole columns (all of ``ACTUAL_COLUMNS`` but ``email_key``, which is derived)."""
    frame = _typed(columns)
    frame["email_key"] = email_keys(frame["email"])
    return frame[ACTUAL_COLUMNS]
