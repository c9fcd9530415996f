"""Which receivers of a group the sync owns: the per-list record, checked against what the group holds (pure).

Global attribute values are account-wide in CleverReach, so a receiver in group B can carry an ext_id
written through group A: an ext_id proves nothing. The record (``sync_owned_receiver``) names the
receivers this integration created or adopted in the list's group; only those are ever updated,
deactivated or removed.

:func:`resolve_ownership` brings the stored record up to date with the receivers just read:

* a row without a receiver id (seeded by the upgrade migration) gets it by e-mail key;
* a row whose receiver is no longer in the group is dropped (deleted in CleverReach: nothing to own);
* a row whose receiver was deactivated by the sync keeps that stamp; a stamp still unknown (seeded) is
  read from the receiver; a receiver that is active again, or deactivated at another time, was
  re-subscribed or unsubscribed by the person, so the row is dropped: it is the person's now;
* the e-mail key follows the receiver (an address changed in CleverReach).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from cleverreach.sync.keys import all_distinct, differs_at, email_keys, first_positions, key_array



class OwnershipOrigin(StrEnum):
    """``sync_owned_receiver.origin``: how a receiver became the sync's."""

    CREATED = "created"  # inserted by the sync
    ADOPTED = "adopted"  # there already, matched by e-mail to a member who wants it


#: the record as a plan reads it; the table's ``since`` is kept by the writes (``ListState.save_owned``)
OWNED_COLUMNS = ["email_key", "receiver_id", "contact_person_id", "origin", "our_deactivated"]
NOT_DEACTIVATED_BY_US = -1  # our_deactivated: NULL in the table
STAMP_UNKNOWN = 0  # our_deactivated: deactivated by the sync, stamp to be read (seeded rows)


def _text(series: pd.Series) -> pd.Series:
    return series if pd.api.types.is_string_dtype(series.dtype) and not series.hasnans else series.fillna("").astype("str")


def _keys(series: pd.Series) -> pd.Series:
    if series.dtype == object and not series.hasnans and pd.api.types.infer_dtype(series, skipna=False) in ("string", "empty"):
        return series
    return pd.Series(key_array(series), index=series.index, dtype=object)


def _origins(series: pd.Series) -> pd.Series:
    """Two values for a million rows: a category (a byte each; text would be 14 MB)."""
    if isinstance(series.dtype, pd.CategoricalDtype) and not series.hasnans:
        return series
    return (series.fillna(OwnershipOrigin.ADOPTED.value) if series.hasnans else series).astype("str").astype("category")


def _ints(series: pd.Series, missing: int) -> pd.Series:
    if series.dtype == "int64":
        return series
    return pd.to_numeric(series, errors="coerce").fillna(missing).astype("int64")


def owned_frame(rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The record in its typed form: text ids and keys, contact keys as text (``NO_KEY`` = none), int64 stamps
    (-1 = none), the origin a category.

    A frame that already has these types is returned as it is (the diff of a million members calls this).
    """
    frame = pd.DataFrame(columns=OWNED_COLUMNS) if rows is None else rows
    missing = [column for column in OWNED_COLUMNS if column not in frame]
    if missing:
        frame = frame.assign(**{column: pd.Series(dtype="object", index=frame.index) for column in missing})
    typed = {
        "receiver_id": _text(frame["receiver_id"]),
        "email_key": _text(frame["email_key"]),
        "contact_person_id": _keys(frame["contact_person_id"]),
        "our_deactivated": _ints(frame["our_deactivated"], NOT_DEACTIVATED_BY_US),
        "origin": _origins(frame["origin"]),
    }
    if all(typed[name] is frame[name] for name in typed):
        return frame[OWNED_COLUMNS].reset_index(drop=True)
    return frame.assign(**typed)[OWNED_COLUMNS].reset_index(drop=True)


@dataclass
class Ownership:
    """The record resolved against the group: ``owned`` (one row per owned receiver present in the group),
    ``save`` (rows to write back) and ``drop`` (stored e-mail keys to delete, before ``save`` is written)."""

    owned: pd.DataFrame
    save: pd.DataFrame
    drop: list[str]

    @property
    def changed(self) -> bool:
        return bool(len(self.save) or self.drop)


def resolve_ownership(record: pd.DataFrame, actual: pd.DataFrame) -> Ownership:
    """Match the stored record to the receivers read (see the module's docstring)."""
    record = owned_frame(record)
    position = first_positions(actual["receiver_id"], record["receiver_id"])
    seeded = np.flatnonzero((record["receiver_id"] == "").to_numpy(dtype=bool))
    if len(seeded):  # rows without a receiver id yet: by e-mail key
        position[seeded] = first_positions(actual["email_key"], email_keys(record["email_key"].iloc[seeded]))
    found = position >= 0
    safe = np.maximum(position, 0)

    deactivated = actual["deactivated"].to_numpy(dtype="int64")[safe] if len(actual) else np.zeros(len(record), "int64")
    stamp = record["our_deactivated"].to_numpy(dtype="int64")
    new_stamp = np.where(found & (stamp == STAMP_UNKNOWN) & (deactivated > 0), deactivated, stamp)
    released = found & (new_stamp >= 0) & (deactivated != new_stamp)  # active again, or another stamp
    keep = found & ~released

    kept = np.flatnonzero(found)
    key_moved = np.zeros(len(record), dtype=bool)
    key_moved[kept] = differs_at(record["email_key"], kept, actual["email_key"], position[kept])
    filled = np.zeros(len(record), dtype=bool)
    filled[seeded] = found[seeded]
    changed = key_moved | filled | (new_stamp != stamp)

    resolved = record
    if changed.any():
        resolved = record.copy()
        rows = np.flatnonzero(changed & found)
        # taken from the columns as stored: a column's to_numpy() is a million Python strings for a few rows
        for column in ("receiver_id", "email_key"):
            resolved.loc[rows, column] = np.asarray(actual[column].array.take(position[rows]), dtype=object)
        resolved["our_deactivated"] = new_stamp
    owned = resolved[keep] if not keep.all() else resolved
    for column in ("receiver_id", "email_key"):
        if not all_distinct(owned[column]):
            owned = owned[~owned[column].duplicated(keep="first")]
    save = owned[changed[owned.index.to_numpy()]]
    drop = record["email_key"][~keep | changed].tolist()
    return Ownership(owned.reset_index(drop=True), save.reset_index(drop=True), drop)
