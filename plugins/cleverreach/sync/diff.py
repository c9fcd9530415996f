"""The diff between a list's desired members and its group's receivers, in vectorised pandas.

Rules, in order:

* Members and receivers match by e-mail, case-insensitively (``email_key``).
* Consent is a one-way ratchet: a matched receiver that is bounced or deactivated (unsubscribed) is
  never written to; its member is reported as ``bounced``/``unsubscribed``. An unsubscribe also
  holds for the person: a member whose contact id is the ext_id of a deactivated receiver is not
  added under a new address. (A bounce concerns one mailbox, so a new address may be added.) A
  member the CRM already records as ``unsubscribed`` is not added either, even if its receiver has
  since been deleted in CleverReach: only removing and re-adding the member in the CRM resets it.
* A matched active receiver is updated only when an attribute, or its ext_id, really differs; one
  without an ext_id is adopted (its ext_id is set).
* Removal is ownership-scoped: only active receivers whose ext_id is set and that match no member
  are removed. Receivers without ext_id (form sign-ups, manual imports) are never in the plan, nor
  are inactive ones (removing them would erase their unsubscribe or bounce).
* An e-mail change in the CRM therefore becomes "add the new address, remove the old receiver":
  never two active receivers for one contact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.plan import SyncPlan


def diff(desired: pd.DataFrame, actual: pd.DataFrame) -> SyncPlan:
    """Plan the changes that make the group's owned receivers equal the desired members."""
    actual = actual.drop_duplicates("email_key", keep="first").reset_index(drop=True)
    positions = pd.Index(actual["email_key"]).get_indexer(desired["email_key"])
    matched = positions >= 0

    deactivated = actual["deactivated"].to_numpy() > 0
    bounced = actual["bounced"].to_numpy() > 0
    inactive = deactivated | bounced
    owned = (actual["ext_id"] != "").to_numpy()

    # --- members whose address CleverReach already has
    mine = desired[matched].reset_index(drop=True)
    theirs = actual.iloc[positions[matched]].reset_index(drop=True)
    their_bounced = theirs["bounced"].to_numpy() > 0
    their_unsubscribed = (theirs["deactivated"].to_numpy() > 0) & ~their_bounced
    their_active = ~(their_bounced | their_unsubscribed)

    changed = {name: (mine[name] != theirs[name]).to_numpy() for name in ATTRIBUTES}
    ext_changed = (mine["ext_id"] != theirs["ext_id"]).to_numpy()
    any_changed = ext_changed | np.logical_or.reduce(list(changed.values())) if changed else ext_changed
    update_mask = their_active & any_changed
    unchanged_mask = their_active & ~any_changed

    updates = mine[update_mask].copy()
    old = theirs[update_mask]
    for name in ("email", "ext_id", *ATTRIBUTES):
        updates[f"{name}_old"] = old[name].to_numpy()
    updates["receiver_id"] = old["receiver_id"].to_numpy()
    updates["reason"] = _update_reasons(updates, {k: v[update_mask] for k, v in changed.items()})

    unsubscribed = _consent(mine[their_unsubscribed], "unsubscribed in CleverReach")
    bounced_members = _consent(mine[their_bounced], "bounced in CleverReach")

    # --- members CleverReach does not have yet
    adds = desired[~matched].copy()
    unsubscribed_persons = _contact_ids(actual.loc[deactivated & ~bounced & owned, "ext_id"])
    held_remote = np.isin(adds["contact_person_id"].to_numpy(dtype="int64"), unsubscribed_persons)
    held_crm = (adds["sync_state"] == "unsubscribed").to_numpy() & ~held_remote
    unsubscribed = pd.concat(
        [
            unsubscribed,
            _consent(adds[held_remote], "unsubscribed in CleverReach under a previous address"),
            _consent(adds[held_crm], "unsubscribed (recorded in the CRM); not added again"),
        ],
        ignore_index=True,
    )
    adds = adds[~(held_remote | held_crm)].reset_index(drop=True)
    adds["reason"] = "new member"

    # --- receivers we own that no member wants
    matched_receivers = np.zeros(len(actual), dtype=bool)
    matched_receivers[positions[matched]] = True
    removes = actual[~matched_receivers & owned & ~inactive].copy()
    removes["contact_person_id"] = pd.to_numeric(removes["ext_id"], errors="coerce").astype("Int64")
    still_member = np.isin(_contact_ids(removes["ext_id"]), desired["contact_person_id"].to_numpy(dtype="int64"))
    removes["reason"] = np.where(still_member, "e-mail changed in the CRM", "no longer on the list")

    return SyncPlan(
        adds=adds,
        updates=updates.reset_index(drop=True),
        removes=removes.reset_index(drop=True),
        unsubscribed=unsubscribed,
        bounced=bounced_members,
        unchanged_ids=mine.loc[unchanged_mask, "contact_person_id"].to_numpy(dtype="int64"),
        owned_count=int(owned.sum()),
    )


def _contact_ids(ext_ids: pd.Series) -> np.ndarray:
    """ext_id strings as int64 contact ids (-1 where it is not a number), for fast ``np.isin``."""
    return pd.to_numeric(ext_ids, errors="coerce").fillna(-1).to_numpy(dtype="int64")


def _consent(frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    out = frame[["contact_person_id", "email"]].copy()
    out["reason"] = reason
    return out.reset_index(drop=True)


def _update_reasons(updates: pd.DataFrame, changed: dict[str, np.ndarray]) -> pd.Series:
    """'adopted ...', 'ext_id was N' or 'changed: firstname, company' per row, built column-wise."""
    if updates.empty:
        return pd.Series([], dtype="str")
    names = pd.Series("", index=updates.index, dtype="str")
    for name, mask in changed.items():
        names = names + np.where(mask, name + ", ", "")
    names = "changed: " + names.str.rstrip(", ")
    ext_old = updates["ext_id_old"]
    reason = np.where(
        ext_old == "",
        "adopted: matched by e-mail, ext_id set",
        np.where(ext_old != updates["ext_id"], "ext_id was " + ext_old + "; " + names, names),
    )
    return pd.Series(reason, index=updates.index).str.replace("; changed: $", "", regex=True)
