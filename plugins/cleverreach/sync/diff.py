"""The diff between a list's desired members and its group's receivers, in vectorised pandas.

Rules, in order:

* Members and receivers match by e-mail key (``sync.keys``: case-insensitive, domain in ASCII form); a member
  whose key no receiver has also matches the receiver the sync owns for that contact when the two differ only
  by IDNA 2003's folding (``email_keys.folded_email_key``: a service that stores ``straße.de`` as ``strasse.de``).
* Contact keys are text (``cleverreach.crm.keys``: an integer's decimal text, a UUID, the CRM's text); a
  receiver's ext_id is that text. Key arrays are numpy object arrays with ``NO_KEY`` for none, compared
  through pandas' hash tables (``sync.keys.isin_keys``).
* Ownership is recorded per list (``sync.ownership``), never inferred from an ext_id. A receiver the
  sync does not own is never updated, deactivated or removed, with one exception: a receiver matched by
  e-mail to a member who wants it, while it is active or pending, is adopted (recorded; its ext_id and
  attributes are written if they differ). A form sign-up whose address no member of this list has is
  never touched, whatever ext_id it carries.
* Consent is a one-way ratchet. A bounced receiver, or one deactivated by anyone but this sync, is never
  written to; its member is ``bounced``/``unsubscribed``. An unsubscribe also holds for the person: a
  member whose contact id is on such a receiver (by the record or its ext_id) is not added under a new
  address, and a member the CRM records as ``unsubscribed`` is not added either. Only a receiver that
  this sync deactivated itself (its recorded stamp) is activated again when its member returns.
* A receiver with ``activated == 0`` and neither ``deactivated`` nor ``bounced`` is pending (double
  opt-in): its member is ``unconfirmed``.
* An owned or adopted receiver is updated only when an attribute or its ext_id really differs; a write
  CleverReach refused before (same payload hash) is not sent again.
* Removal: only active or pending receivers the sync owns that no member wants. An e-mail change in the
  CRM is therefore "add the new address, remove the old receiver": never two active receivers for one
  contact.
* Withdrawal (GDPR, ``sync.withdrawn``): a receiver that no member wants and that stands for a contact the
  CRM marks "no marketing", deleted or anonymised (by the ownership record, or by the address of such a
  member of this list) is deleted whatever its state and whatever ``removal_mode`` says (``erase``).
* A list's first sync after the move from hyperspace's own interface (``sync.takeover``) hands this diff the
  stale receivers that interface left, adopted, and leaves out the members who unsubscribed on any address.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleverreach.email_keys import folded_email_key
from cleverreach.enums import MemberState
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.keys import NO_KEY, isin_keys, key_array
from cleverreach.sync.ownership import owned_frame
from cleverreach.sync.plan import REFUSED_COLUMNS, SyncPlan, empty_frame, payload_hashes

REFUSAL_COLUMNS = ["contact_person_id", "action", "payload_hash", "reason"]
PENDING_REASON = "waiting for the double opt-in confirmation in CleverReach"


def diff(
    desired: pd.DataFrame,
    actual: pd.DataFrame,
    owned: pd.DataFrame | None = None,
    refusals: pd.DataFrame | None = None,
    withdrawn: pd.DataFrame | None = None,
) -> SyncPlan:
    """Plan the changes that make the group's owned receivers equal the desired members.

    :param owned: the resolved ownership record (``sync.ownership``); None = the sync owns nothing yet.
    :param refusals: ``REFUSAL_COLUMNS`` of the list's remembered refusals.
    :param withdrawn: ``sync.withdrawn.WITHDRAWN_COLUMNS`` of the contacts that may not be marketed to.
    """
    keys = pd.Index(actual["email_key"])
    if not keys.is_unique:  # one receiver per address and group; keep the first if a page repeated one
        actual = actual[~keys.duplicated(keep="first")].reset_index(drop=True)
        keys = pd.Index(actual["email_key"])
    owned = owned_frame(owned)
    refusals = refusals if refusals is not None else empty_frame(REFUSAL_COLUMNS)

    # --- per receiver: ownership and consent (numpy over all receivers; text columns are taken only where needed)
    own_pos = pd.Index(owned["receiver_id"]).get_indexer(actual["receiver_id"]) if len(owned) else np.full(len(actual), -1)
    ours = own_pos >= 0
    safe = np.maximum(own_pos, 0)
    our_stamp = np.where(ours, owned["our_deactivated"].to_numpy(dtype="int64")[safe] if len(owned) else -1, -1)
    owner_cid = (np.where(ours, owned["contact_person_id"].to_numpy(dtype=object)[safe], NO_KEY).astype(object)
                 if len(owned) else np.full(len(actual), NO_KEY, dtype=object))
    activated = actual["activated"].to_numpy(dtype="int64")
    deactivated = actual["deactivated"].to_numpy(dtype="int64")
    bounced = actual["bounced"].to_numpy(dtype="int64") > 0
    by_us = ours & ~bounced & (deactivated > 0) & (our_stamp == deactivated)
    unsubscribed = (deactivated > 0) & ~bounced & ~by_us
    live = (deactivated == 0) & ~bounced
    pending = live & (activated == 0)

    def person(mask: np.ndarray) -> np.ndarray:
        """The contact a receiver stands for: the record's, else its ext_id's (``NO_KEY`` = none)."""
        rows = np.flatnonzero(mask)
        from_ext = _contact_ids(actual["ext_id"].iloc[rows]) if len(rows) else np.array([], dtype=object)
        return np.where(owner_cid[rows] != NO_KEY, owner_cid[rows], from_ext).astype(object)

    # --- members whose address the group holds
    desired_cids = key_array(desired["contact_person_id"])
    positions = _refolded(keys.get_indexer(desired["email_key"]), desired["email_key"], desired_cids,
                          actual["email_key"], owner_cid)
    matched = positions >= 0
    mi = np.flatnonzero(matched)  # desired rows
    at = positions[matched]  # their receivers
    member_cids = desired_cids[mi]
    crm_unsubscribed = _bools(desired["sync_state"].array.take(mi) == MemberState.UNSUBSCRIBED, missing=False)
    m_live, m_pending, m_ours = live[at], pending[at], ours[at]
    m_reactivate = by_us[at] & ~crm_unsubscribed
    m_bounced = bounced[at]
    m_unsubscribed = ~m_live & ~m_bounced & ~m_reactivate

    changed = {name: _differs(desired[name], mi, actual[name], at) for name in ATTRIBUTES}
    ext_changed = _differs(desired["ext_id"], mi, actual["ext_id"], at)
    any_changed = np.logical_or.reduce([ext_changed, *changed.values()])
    writable = m_live | m_reactivate

    write = writable & any_changed
    updates = desired.iloc[mi[write]].reset_index(drop=True)
    old = actual.iloc[at[write]].reset_index(drop=True)
    for name in ("email", "ext_id", *ATTRIBUTES):
        updates[f"{name}_old"] = old[name].to_numpy()
    updates["receiver_id"] = old["receiver_id"].to_numpy()
    updates["adopt"] = ~m_ours[write]
    updates["pending"] = m_pending[write]
    updates["reason"] = _update_reasons(updates, {k: v[write] for k, v in changed.items()})
    updates["payload_hash"] = payload_hashes(updates)
    updates, refused_updates = _hold_refused(updates, refusals, "update", MemberState.PENDING)

    adopt_only = m_live & ~m_ours & ~any_changed
    adoptions = pd.DataFrame({
        "receiver_id": actual["receiver_id"].array.take(at[adopt_only]),
        "email_key": actual["email_key"].array.take(at[adopt_only]),
        "contact_person_id": member_cids[adopt_only],
        "pending": m_pending[adopt_only],
    })
    reassigned = m_ours & writable & ~any_changed & (owner_cid[at] != member_cids)
    owner_changes = owned.iloc[own_pos[at][reassigned]].copy()
    owner_changes["contact_person_id"] = member_cids[reassigned]

    reactivations = actual.iloc[at[m_reactivate]][["receiver_id", "email", "email_key"]].reset_index(drop=True)
    reactivations["contact_person_id"] = member_cids[m_reactivate]
    reactivations["reason"] = "member again: the sync had deactivated this receiver itself"

    unchanged = m_live & ~any_changed
    unchanged_ids = member_cids[unchanged & ~m_pending]
    member_rows = desired[["contact_person_id", "email", "sync_state"]]
    unconfirmed = _consent(member_rows.iloc[mi[unchanged & m_pending]], PENDING_REASON)
    unsubscribed_members = _consent(member_rows.iloc[mi[m_unsubscribed]], "unsubscribed in CleverReach")
    bounced_members = _consent(member_rows.iloc[mi[m_bounced]], "bounced in CleverReach")

    # --- members CleverReach does not have yet
    adds = desired[~matched].copy()
    held_remote = isin_keys(desired_cids[~matched], person(unsubscribed))
    held_crm = (adds["sync_state"] == MemberState.UNSUBSCRIBED).to_numpy() & ~held_remote
    unsubscribed_members = pd.concat(
        [
            unsubscribed_members,
            _consent(adds[held_remote], "unsubscribed in CleverReach under a previous address"),
            _consent(adds[held_crm], "unsubscribed (recorded in the CRM); not added again"),
        ],
        ignore_index=True,
    )
    adds = adds[~(held_remote | held_crm)].reset_index(drop=True)
    adds["reason"] = "new member"
    adds["payload_hash"] = payload_hashes(adds)
    adds, refused_adds = _hold_refused(adds, refusals, "add", MemberState.REJECTED)

    # --- receivers the sync owns that no member wants
    wanted = np.zeros(len(actual), dtype=bool)
    wanted[at] = True
    drop = ~wanted & ours & live
    erase, erase_cid, erase_reason = _withdrawn_receivers(actual, owner_cid, withdrawn, ~wanted)
    removing = drop | erase
    removes = actual[removing].copy()
    contact = erase_cid[removing]
    contact = np.where(contact != NO_KEY, contact, person(removing)).astype(object)
    removes["contact_person_id"] = np.where(contact != NO_KEY, contact, None).astype(object)
    still_member = isin_keys(contact, desired_cids)
    removes["erase"] = erase[removing]
    removes["reason"] = np.where(
        removes["erase"].to_numpy(dtype=bool), erase_reason[removing] + ": deleted from the group",
        np.where(still_member, "e-mail changed in the CRM", "no longer on the list"),
    )

    return SyncPlan(
        adds=adds,
        updates=updates.reset_index(drop=True),
        removes=removes.reset_index(drop=True),
        unsubscribed=unsubscribed_members,
        bounced=bounced_members,
        reactivations=reactivations.reset_index(drop=True),
        adoptions=adoptions,
        owner_changes=owner_changes.reset_index(drop=True),
        unconfirmed=unconfirmed,
        refused=pd.concat([refused_adds, refused_updates], ignore_index=True),
        unchanged_ids=unchanged_ids,
        owned_count=int((ours & live & ~pending).sum()),
    )


def _refolded(positions: np.ndarray, desired_keys: pd.Series, desired_cids: np.ndarray, actual_keys: pd.Series,
              owner_cid: np.ndarray) -> np.ndarray:
    """A member whose key no receiver has, matched to the receiver the sync owns for this very contact when the
    two differ only by IDNA 2003's folding (``straße.de`` stored as ``strasse.de`` by a service that folds):
    without it such a member would be added and its receiver removed on every run. A stranger's receiver at
    the folded address is never matched (IDNA 2008 tells the two apart)."""
    lost = np.flatnonzero(positions < 0)
    if not len(lost) or not (owner_cid != NO_KEY).any():
        return positions
    lost = lost[np.fromiter(("xn--" in str(k) for k in desired_keys.array.take(lost)), dtype=bool, count=len(lost))]
    if not len(lost):
        return positions
    taken = np.zeros(len(actual_keys), dtype=bool)
    taken[positions[positions >= 0]] = True
    candidates = np.flatnonzero(~taken & isin_keys(owner_cid, desired_cids[lost]))
    by_folded: dict[tuple[str, str], int] = {}
    for i in candidates:
        by_folded.setdefault((owner_cid[i], folded_email_key(str(actual_keys.iat[i]))), int(i))
    out = positions.copy()
    for d in lost:
        found = by_folded.pop((desired_cids[d], folded_email_key(str(desired_keys.iat[d]))), None)
        if found is not None:
            out[d] = found
    return out


def _withdrawn_receivers(actual: pd.DataFrame, owner_cid: np.ndarray, withdrawn: pd.DataFrame | None,
                         unwanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(to erase, contact key or ``NO_KEY``, reason) per receiver: unwanted receivers that stand for a withdrawn
    contact by the ownership record, or by a withdrawn member's address."""
    none = np.zeros(len(actual), dtype=bool)
    reasons = np.full(len(actual), "", dtype=object)
    if withdrawn is None or withdrawn.empty or actual.empty:
        return none, np.full(len(actual), NO_KEY, dtype=object), reasons
    withdrawn = withdrawn.assign(contact_person_id=key_array(withdrawn["contact_person_id"]))
    by_contact = withdrawn.drop_duplicates("contact_person_id").set_index("contact_person_id")["reason"]
    keyed = withdrawn[withdrawn["email_key"].astype(str) != ""].drop_duplicates("email_key").set_index("email_key")
    hit_owner = isin_keys(owner_cid, by_contact.index) & (owner_cid != NO_KEY)
    key_pos = pd.Index(keyed.index).get_indexer(actual["email_key"])
    hit_key = key_pos >= 0
    cid = np.where(hit_owner, owner_cid, NO_KEY).astype(object)
    key_cids = keyed["contact_person_id"].to_numpy(dtype=object)
    if len(key_cids):
        cid = np.where(~hit_owner & hit_key, key_cids[np.maximum(key_pos, 0)], cid).astype(object)
    erase = (hit_owner | hit_key) & unwanted
    reasons[erase] = by_contact.reindex(cid[erase]).to_numpy()
    return erase, cid, reasons


def _hold_refused(frame: pd.DataFrame, refusals: pd.DataFrame, action: str, state: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off the rows whose identical write CleverReach refused before (same contact, action, hash)."""
    mine = refusals[refusals["action"] == action]
    if frame.empty or mine.empty:
        return frame.reset_index(drop=True), empty_frame(REFUSED_COLUMNS)
    remembered = mine.set_index(pd.Index(key_array(mine["contact_person_id"]), dtype=object))
    remembered = remembered[~remembered.index.duplicated()]
    cids = pd.Series(key_array(frame["contact_person_id"]), index=frame.index, dtype=object)
    same = (cids.map(remembered["payload_hash"]).astype("object") == frame["payload_hash"]).to_numpy(dtype=bool)
    held = frame[same]
    refused = pd.DataFrame({
        "contact_person_id": cids[same].to_numpy(dtype=object),
        "email": held["email"].to_numpy(),
        "reason": "refused by CleverReach before, not sent again until the e-mail or attributes change: "
        + cids[same].map(remembered["reason"]).fillna("").astype(str),
        "sync_state": str(state),
        "action": action,
    })
    return frame[~same].reset_index(drop=True), refused


def _differs(left: pd.Series, left_rows: np.ndarray, right: pd.Series, right_rows: np.ndarray) -> np.ndarray:
    """Row-wise ``left[left_rows] != right[right_rows]`` on the columns' own arrays (no index alignment)."""
    return _bools(left.array.take(left_rows) != right.array.take(right_rows), missing=True)


def _bools(result: object, *, missing: bool) -> np.ndarray:
    """A comparison's result as a numpy bool array, whether the column was numpy- or Arrow-backed."""
    if hasattr(result, "to_numpy"):
        return result.to_numpy(dtype=bool, na_value=missing)
    return np.asarray(result, dtype=bool)


def _contact_ids(ext_ids: pd.Series) -> np.ndarray:
    """The contact keys receivers' ext_ids name: the text itself (the sync writes a contact's key as its
    ext_id), trimmed; ``NO_KEY`` where it is empty."""
    text = ext_ids.astype("object").where(ext_ids.notna(), "").astype("str").str.strip()
    return text.to_numpy(dtype=object)


def _consent(frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    out = frame[["contact_person_id", "email"]].copy()
    out["reason"] = reason
    return out.reset_index(drop=True)


def _update_reasons(updates: pd.DataFrame, changed: dict[str, np.ndarray]) -> pd.Series:
    """'adopted ...', 'ext_id was N' or 'changed: firstname, company' per row, built column-wise."""
    if updates.empty:
        return pd.Series([], dtype="str", index=updates.index)
    names = pd.Series("", index=updates.index, dtype="str")
    for name, mask in changed.items():
        names = names + np.where(mask, name + ", ", "")
    names = "changed: " + names.str.rstrip(", ")
    ext_old = updates["ext_id_old"]
    reason = np.where(
        updates["adopt"].to_numpy(dtype=bool),
        "adopted: matched by e-mail; " + names,
        np.where(ext_old != updates["ext_id"], "ext_id was " + ext_old + "; " + names, names),
    )
    return pd.Series(reason, index=updates.index).str.replace("; changed: $", "", regex=True)
