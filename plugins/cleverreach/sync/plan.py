"""The sync plan: what a run will write to CleverReach, which members it leaves alone and why.

Payload rules: a new receiver is created through the insert endpoint (which never touches an existing
one) and carries ``activated`` explicitly, so no server default decides its consent; an existing
receiver gets attributes only, never an activation field (reactivation of a receiver the sync itself
deactivated is its own call).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pandas as pd

from cleverreach.exceptions import MassRemovalError
from cleverreach.sync.fields import ATTRIBUTES, SOURCE_LABEL
from cleverreach.sync.json_columns import json_array, json_objects, json_strings, text_column

CONSENT_COLUMNS = ["contact_person_id", "email", "reason"]
REFUSED_COLUMNS = ["contact_person_id", "email", "reason", "sync_state", "action"]
HASH_SLICE = 100_000  # rows hashed at a time (``payload_hashes``)


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def payload_hashes(frame: pd.DataFrame) -> pd.Series:
    """A stable hash of what a member's write carries (e-mail, ext_id, attributes), as text.

    ``pandas.util.hash_pandas_object`` uses a fixed key, so the value is the same in every process: a
    refusal remembered with it holds until the member's e-mail or attributes change.

    Hashed a slice at a time (the hash is per row): the hashing's temporaries for a million adds were the
    first sync's peak.
    """
    if frame.empty:
        return pd.Series([], dtype="str", index=frame.index)
    hashes = np.empty(len(frame), dtype="uint64")
    for start in range(0, len(frame), HASH_SLICE):
        columns = frame.iloc[start:start + HASH_SLICE][["email", "ext_id", *ATTRIBUTES]].astype("str")
        hashes[start:start + HASH_SLICE] = pd.util.hash_pandas_object(columns, index=False).to_numpy(dtype="uint64")
    return pd.Series(hashes, index=frame.index).astype("str")


@dataclass
class SyncPlan:
    """
    Frames of one list's changes; every frame has ``contact_person_id`` and ``reason``.

    ``adds``: desired columns plus ``payload_hash``. ``updates``: desired columns, the receiver's old
    values as ``<name>_old`` (``email_old`` addresses it), ``receiver_id``, ``adopt`` (not ours yet),
    ``pending`` (waiting for a double opt-in) and ``payload_hash``. ``removes`` and ``reactivations``:
    receiver columns (``removes`` also ``erase``: deleted whatever the removal mode; and ``deactivate``, when
    present: deactivated whatever the removal mode, ``sync.takeover``). ``adoptions``:
    receivers to record as ours without a write (their members are in ``unchanged_ids`` or ``unconfirmed``
    too). ``owner_changes``:
    owned rows whose contact changes. ``unconfirmed``/``unsubscribed``/``bounced``: members left alone.
    ``refused``: members whose identical write CleverReach refused before (not sent again).
    """

    adds: pd.DataFrame
    updates: pd.DataFrame
    removes: pd.DataFrame
    unsubscribed: pd.DataFrame
    bounced: pd.DataFrame
    reactivations: pd.DataFrame = field(default_factory=lambda: empty_frame(["receiver_id", "email", "contact_person_id", "reason"]))
    adoptions: pd.DataFrame = field(default_factory=lambda: empty_frame(["receiver_id", "email_key", "contact_person_id", "pending"]))
    owner_changes: pd.DataFrame = field(default_factory=lambda: empty_frame(["email_key"]))
    unconfirmed: pd.DataFrame = field(default_factory=lambda: empty_frame(CONSENT_COLUMNS))
    refused: pd.DataFrame = field(default_factory=lambda: empty_frame(REFUSED_COLUMNS))
    unchanged_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # contact keys (text)
    owned_count: int = 0  # active receivers the sync owns: the base of the mass-removal guard

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.adds),
            "updated": len(self.updates),
            "removed": len(self.removes),
            "reactivated": len(self.reactivations),
            "unchanged": len(self.unchanged_ids),
            "unconfirmed": len(self.unconfirmed),
            "unsubscribed": len(self.unsubscribed),
            "bounced": len(self.bounced),
            "refused_before": len(self.refused),
        }

    @property
    def is_empty(self) -> bool:
        """No write to CleverReach (recording adoptions is bookkeeping, not a write)."""
        return self.adds.empty and self.updates.empty and self.removes.empty and self.reactivations.empty

    # ------------------------------------------------------------------ API payloads
    def add_payloads(self, ext_id_attribute: str, activated: int) -> Payloads:
        """Insert bodies for new receivers, ``activated`` explicit: a time (opted in) or 0 (pending)."""
        return Payloads(self.adds, "email", ext_id_attribute, source=SOURCE_LABEL, activated=int(activated))

    def update_payloads(self, ext_id_attribute: str) -> Payloads:
        """Upsert bodies for receivers the sync owns or adopts, addressed by the receiver's stored e-mail.

        Attributes only: an update never carries ``activated``/``deactivated``, so it never changes consent.
        """
        return Payloads(self.updates, "email_old", ext_id_attribute)

    def remove_ids(self) -> list[str]:
        return self.removes["receiver_id"].astype(str).tolist()

    @property
    def erasing(self) -> pd.Series:
        """Per removal: deleted whatever ``removal_mode`` says (a withdrawn contact, ``sync.withdrawn``)."""
        if "erase" not in self.removes:
            return pd.Series(False, index=self.removes.index, dtype=bool)
        return self.removes["erase"].astype(bool)

    @property
    def deactivating(self) -> pd.Series:
        """Per removal: deactivated whatever ``removal_mode`` says (the person unsubscribed, ``sync.takeover``)."""
        if "deactivate" not in self.removes:
            return pd.Series(False, index=self.removes.index, dtype=bool)
        return self.removes["deactivate"].astype(bool) & ~self.erasing


class Payloads(Sequence[dict]):
    """The API bodies of a frame's rows, each built when it is read: the hook slices one batch at a time, so
    a million inserts never hold a million bodies, nor the frame's columns as Python objects, at once."""

    def __init__(self, frame: pd.DataFrame, email_column: str, ext_id_attribute: str, *, source: str | None = None,
                 activated: int | None = None) -> None:
        self._columns = [frame[name] for name in (email_column, "ext_id", *ATTRIBUTES)]
        self._size = len(frame)
        self._ext_id_attribute = ext_id_attribute
        self._source = source
        self._activated = activated

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> dict: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict]: ...

    def __getitem__(self, index: int | slice) -> dict | list[dict]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            return self._bodies(slice(start, stop, step))
        row = range(self._size)[index]
        return self._bodies(slice(row, row + 1))[0]

    def encoded(self, start: int, stop: int) -> tuple[list[str], bytes] | None:
        """The e-mails of rows ``start:stop`` and their bodies as one JSON array (what the hook sends,
        ``hooks.bodies``), joined by Arrow (``sync.json_columns``: a thousand bodies without a dict each). None
        where a column holds anything but text, or a missing value (the plan has none: an attribute is '' for
        null): then the hook encodes the dicts, and refuses a NaN as ``requests`` does."""
        texts = [text_column(column.iloc[start:stop]) for column in self._columns]
        if any(text is None or text.null_count for text in texts):
            return None
        email, ext_id, *values = texts
        attributes: dict = dict(zip(ATTRIBUTES, map(json_strings, values)))
        attributes[self._ext_id_attribute] = json_strings(ext_id)
        members: dict = {"email": json_strings(email), "global_attributes": json_objects(attributes, sort_keys=False)}
        if self._source:
            members["source"] = json.dumps(self._source, ensure_ascii=False)
        if self._activated is not None:
            members["activated"] = json.dumps(self._activated)
        return [str(value) for value in email.to_pylist()], json_array(json_objects(members, sort_keys=False))

    def _bodies(self, rows: slice) -> list[dict]:
        bodies = []
        for email, ext_id, *values in zip(*(column.iloc[rows].tolist() for column in self._columns)):
            attributes = dict(zip(ATTRIBUTES, values))
            attributes[self._ext_id_attribute] = ext_id
            body: dict = {"email": email, "global_attributes": attributes}
            if self._source:
                body["source"] = self._source
            if self._activated is not None:
                body["activated"] = self._activated
            bodies.append(body)
        return bodies


def removal_limit(owned_count: int, minimum: int, share: float) -> int:
    """How many removals a run may make without an admin's approval: max(minimum, share of owned)."""
    return max(minimum, math.floor(share * owned_count))


def check_mass_removal(plan: SyncPlan, *, minimum: int, share: float, list_label: str) -> None:
    """Refuse a plan that removes more than the guard allows. Only an admin's approval, bound to the run it
    starts, lets such a plan through (``cleverreach.sync.approval``); nothing in a run's conf does."""
    limit = removal_limit(plan.owned_count, minimum, share)
    if len(plan.removes) > limit:
        raise MassRemovalError(
            f"{list_label}: the plan removes {len(plan.removes)} receivers, more than the guard allows "
            f"({limit} = max({minimum}, {share:.0%} of the {plan.owned_count} active receivers the sync owns)). "
            "Nothing was written. Check the list's members; if the removal is intended, an admin approves this "
            "blocked plan on the CleverReach page."
        )
