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

from cleverreach.sync.keys import email_keys



class OwnershipOrigin(StrEnum):
    """``sync_owned_receiver.origin``: how a receiver became the sync's."""

    CREATED = "created"  # inserted by the sync
    ADOPTED = "adopted"  # there already, matched by e-mail to a member who wants it


OWNED_COLUMNS = ["email_key", "receiver_id", "contact_person_id", "origin", "since", "our_deactivated"]
NOT_DEACTIVATED_BY_US = -1  # our_deactivated: NULL in the table
STAMP_UNKNOWN = 0  # our_deactivated: deactivated by the sync, stamp to be read (seeded rows)


def owned_frame(rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The record in its typed form: text ids and keys, int64 contact ids (-1 = none) and stamps (-1 = none)."""
    frame = pd.DataFrame(columns=OWNED_COLUMNS) if rows is None else rows.copy()
    for column in OWNED_COLUMNS:
        if column not in frame:
            frame[column] = pd.Series(dtype="object")
    frame["receiver_id"] = frame["receiver_id"].astype("object").where(frame["receiver_id"].notna(), "").astype("str")
    frame["email_key"] = frame["email_key"].astype("object").where(frame["email_key"].notna(), "").astype("str")
    for column, missing in (("contact_person_id", -1), ("our_deactivated", NOT_DEACTIVATED_BY_US)):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(missing).astype("int64")
    frame["origin"] = frame["origin"].astype("object").where(frame["origin"].notna(), OwnershipOrigin.ADOPTED.value).astype("str")
    return frame[OWNED_COLUMNS].reset_index(drop=True)


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
    receivers = actual.drop_duplicates("receiver_id", keep="first").reset_index(drop=True)
    by_id = pd.Index(receivers["receiver_id"]).get_indexer(record["receiver_id"])
    keys = receivers.drop_duplicates("email_key", keep="first")
    key_index = pd.Index(keys["email_key"])
    by_key = key_index.get_indexer(email_keys(record["email_key"]))
    by_key = np.where(by_key >= 0, keys.index.to_numpy()[np.maximum(by_key, 0)], -1)
    has_id = (record["receiver_id"] != "").to_numpy()
    position = np.where(has_id, by_id, by_key)
    found = position >= 0

    safe = np.maximum(position, 0)
    deactivated = receivers["deactivated"].to_numpy(dtype="int64")[safe] if len(receivers) else np.zeros(len(record), "int64")
    stamp = record["our_deactivated"].to_numpy(dtype="int64")
    read_stamp = found & (stamp == STAMP_UNKNOWN) & (deactivated > 0)
    new_stamp = np.where(read_stamp, deactivated, stamp)
    released = found & (new_stamp >= 0) & (deactivated != new_stamp)  # active again, or another stamp
    keep = found & ~released

    resolved = record.copy()
    if len(receivers):
        resolved["receiver_id"] = np.where(found, receivers["receiver_id"].to_numpy()[safe], record["receiver_id"])
        resolved["email_key"] = np.where(found, receivers["email_key"].to_numpy()[safe], record["email_key"])
    resolved["our_deactivated"] = new_stamp
    changed = (
        (resolved["receiver_id"] != record["receiver_id"]).to_numpy()
        | (resolved["email_key"] != record["email_key"]).to_numpy()
        | (new_stamp != stamp)
    )
    owned = resolved[keep].drop_duplicates("receiver_id", keep="first").drop_duplicates("email_key", keep="first")
    save = owned[changed[owned.index.to_numpy()]]
    drop = record.loc[~keep | changed, "email_key"].tolist()
    return Ownership(owned.reset_index(drop=True), save.reset_index(drop=True), drop)
