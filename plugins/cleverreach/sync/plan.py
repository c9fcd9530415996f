"""The sync plan: what a run will add, update and remove, and which members it leaves alone and why."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cleverreach.exceptions import MassRemovalError
from cleverreach.sync.fields import ATTRIBUTES, SOURCE_LABEL


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class SyncPlan:
    """
    Frames of one list's changes. ``adds``/``updates`` carry the desired columns (updates also the
    receiver's old values as ``<attribute>_old``, ``email_old``, ``ext_id_old``); ``removes`` carries
    receiver columns and the contact id the receiver's ext_id names, if any. Every frame has ``reason``.
    """

    adds: pd.DataFrame
    updates: pd.DataFrame
    removes: pd.DataFrame
    unsubscribed: pd.DataFrame  # contact_person_id, email, reason
    bounced: pd.DataFrame  # contact_person_id, email, reason
    unchanged_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype="int64"))
    owned_count: int = 0  # receivers that carry our ext_id (the base of the mass-removal guard)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.adds),
            "updated": len(self.updates),
            "removed": len(self.removes),
            "unchanged": len(self.unchanged_ids),
            "unsubscribed": len(self.unsubscribed),
            "bounced": len(self.bounced),
        }

    @property
    def is_empty(self) -> bool:
        return self.adds.empty and self.updates.empty and self.removes.empty

    # ------------------------------------------------------------------ API payloads
    def add_payloads(self, ext_id_attribute: str) -> list[dict]:
        """Upsert bodies for new receivers: no activation fields, so CleverReach creates them active."""
        return _payloads(self.adds, "email", ext_id_attribute, source=SOURCE_LABEL)

    def update_payloads(self, ext_id_attribute: str) -> list[dict]:
        """Upsert bodies for changed receivers, addressed by the receiver's stored e-mail.

        They carry no ``activated``/``deactivated``: an update never changes consent.
        """
        return _payloads(self.updates, "email_old", ext_id_attribute)

    def remove_keys(self) -> list[str]:
        return self.removes["email"].tolist()


def _payloads(frame: pd.DataFrame, email_column: str, ext_id_attribute: str, source: str | None = None) -> list[dict]:
    if frame.empty:
        return []
    records = frame[[email_column, "ext_id", *ATTRIBUTES]].to_dict("records")
    payloads = []
    for record in records:  # shaping the JSON body of the rows that change; the diff itself is vectorised
        attributes = {name: record[name] for name in ATTRIBUTES}
        attributes[ext_id_attribute] = record["ext_id"]
        body = {"email": record[email_column], "global_attributes": attributes}
        if source:
            body["source"] = source
        payloads.append(body)
    return payloads


def removal_limit(owned_count: int, minimum: int, share: float) -> int:
    """How many removals a run may make without ``allow_mass_removal``: max(minimum, share of owned)."""
    return max(minimum, math.floor(share * owned_count))


def check_mass_removal(plan: SyncPlan, *, minimum: int, share: float, allow: bool, list_label: str) -> None:
    """Refuse a plan that removes more than the guard allows, unless explicitly allowed."""
    limit = removal_limit(plan.owned_count, minimum, share)
    if len(plan.removes) > limit and not allow:
        raise MassRemovalError(
            f"{list_label}: the plan removes {len(plan.removes)} receivers, more than the guard allows "
            f"({limit} = max({minimum}, {share:.0%} of {plan.owned_count} receivers carrying our ext_id)). "
            "Nothing was written. Check the list's members; trigger again with allow_mass_removal=true "
            "if the removal is intended."
        )
