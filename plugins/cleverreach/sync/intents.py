"""Ownership intents: the receivers a write is about to create or adopt, recorded before it (pure).

A receiver the sync creates is its own only once the ownership record says so. Between the write in
CleverReach and that record a run can die (a crash, a lost connection to the state database, a killed
worker); the receiver then belongs to nobody: no later sync updates it, and when the person leaves the list
nothing removes it, so it keeps being mailed. So before each write batch the sync records one intent per
receiver it will own (``sync_owner_intent``: address key, contact key, origin), in its own committed
transaction, and deletes its intents once the ownership of every batch it sent is saved (in one statement).

An intent still there when the list's next run starts was left by a run that died or failed before that: its
batches' ownership may be saved (those intents are settled at no cost) or not.
:func:`resolve_intents` settles each against the receivers just read from the group:

* a receiver at that address whose ext_id is the intent's contact key is the one the write made: it is owned
  (with the intent's origin), unless the record owns it already;
* anything else (no receiver at that address: the write never happened, or CleverReach refused it; or one
  whose ext_id names somebody else: an address that was there before and refused the insert) drops it.

An update's intent (origin ``adopted``) is settled the same way: the run had planned to adopt the receiver
for that member, so owning it is what the run would have recorded had it lived. Either way the intent is
settled and deleted, once the new rows are saved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cleverreach.crm.keys import as_key
from cleverreach.sync.keys import first_positions, key_column
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, OWNED_COLUMNS, Ownership, owned_frame

INTENT_COLUMNS = ["email_key", "contact_person_id", "origin"]


def intent_rows(rows: pd.DataFrame, origin: str) -> pd.DataFrame:
    """``INTENT_COLUMNS`` of the plan rows (``email_key``, ``contact_person_id``) a write is about to own."""
    return pd.DataFrame({
        "email_key": rows["email_key"].astype(str).to_numpy(dtype=object),
        "contact_person_id": key_column(rows["contact_person_id"]).to_numpy(dtype=object),
        "origin": str(origin),
    }, columns=INTENT_COLUMNS)


@dataclass
class IntentResolution:
    """``owned``: new ownership rows (``OWNED_COLUMNS``); ``settled``: the address keys of every intent read
    (owned now or dropped), to delete once ``owned`` is saved; ``dropped``: how many named no receiver of ours."""

    owned: pd.DataFrame
    settled: list[str]
    dropped: int


def resolve_intents(intents: pd.DataFrame, actual: pd.DataFrame, owned: pd.DataFrame) -> IntentResolution:
    """Settle leftover intents against the group's receivers (``ACTUAL_COLUMNS``) and the resolved record
    (``owned``, ``OWNED_COLUMNS``); see the module's docstring."""
    if intents.empty:
        return IntentResolution(owned_frame(None), [], 0)
    intents = intents.drop_duplicates("email_key", keep="last").reset_index(drop=True)
    keys = intents["email_key"].astype(str).to_numpy(dtype=object)
    # few rows (a run leaves at most one batch's intents behind): each key through as_key, whatever its type
    contacts = np.array([as_key(c) for c in intents["contact_person_id"].tolist()], dtype=object)
    # the first receiver of an address counts, as in the diff; only the intents' receivers are taken out of the
    # group (a column as Python strings is a million of them, for the one batch a dead run left behind)
    position = _positions(actual["email_key"], keys)
    found = position >= 0
    receiver_ids = np.full(len(keys), "", dtype=object)  # "" stands for "no receiver here"
    ext_ids = np.full(len(keys), "", dtype=object)
    if found.any():
        hit = actual.iloc[position[found]]
        receiver_ids[found] = hit["receiver_id"].astype(str).to_numpy(dtype=object)
        ext_ids[found] = hit["ext_id"].astype(str).str.strip().to_numpy(dtype=object)
    ours = found & (ext_ids == contacts)
    already = (_positions(owned["email_key"], keys) >= 0) | (_positions(owned["receiver_id"], receiver_ids) >= 0)
    take = ours & ~already
    rows = pd.DataFrame({
        "email_key": keys[take],
        "receiver_id": receiver_ids[take],
        "contact_person_id": contacts[take],
        "origin": intents["origin"].astype(str).to_numpy(dtype=object)[take],
        "our_deactivated": NOT_DEACTIVATED_BY_US,
    }, columns=OWNED_COLUMNS)
    return IntentResolution(owned_frame(rows), keys.tolist(), int((~ours).sum()))


def _positions(column: pd.Series, values: np.ndarray) -> np.ndarray:
    """``first_positions`` of a few text values in a long column, the values typed as the column (Arrow's hash
    table where the column is Arrow text)."""
    text = isinstance(column.dtype, pd.StringDtype)
    return first_positions(column, pd.Series(values, dtype=column.dtype if text else object))


def absorb(ownership: Ownership, resolution: IntentResolution) -> Ownership:
    """The resolved record with the intents' new rows: owned from now on, and saved with the record."""
    if resolution.owned.empty:
        return ownership
    owned = pd.concat([ownership.owned, resolution.owned], ignore_index=True) if len(ownership.owned) else resolution.owned
    save = pd.concat([ownership.save, resolution.owned], ignore_index=True) if len(ownership.save) else resolution.owned
    return Ownership(owned_frame(owned), owned_frame(save), list(ownership.drop))
