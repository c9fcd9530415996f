"""The named steps of ``sync.diff``: small pure functions over whole columns, in the order ``diff`` calls them.

Per-receiver and per-member facts are numpy arrays aligned with ``actual`` and ``desired`` (or with the
matched members), carried in small records: ``ReceiverStates`` (who owns a receiver, where its consent stands),
``Matches`` (which member has which receiver, and that receiver's state) and ``Changes`` (what differs). No
step loops over rows in Python, except ``_refolded`` over the rare unmatched IDN addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cleverreach.email_keys import folded_email_key
from cleverreach.enums import MemberState
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.keys import NO_KEY, all_distinct, as_text, differs_at, first_positions, isin_keys, key_array
from cleverreach.sync.plan import REFUSED_COLUMNS, empty_frame, payload_hashes

@dataclass(frozen=True)
class ReceiverStates:
    """Per receiver (aligned with ``actual``): its ownership record and its consent."""

    own_pos: np.ndarray  # its row in the ownership record, -1 = not ours
    ours: np.ndarray
    owner_cid: np.ndarray  # the recorded contact key, ``NO_KEY`` = none
    bounced: np.ndarray
    by_us: np.ndarray  # deactivated by this sync itself (its recorded stamp): may be activated again
    unsubscribed: np.ndarray  # deactivated by anyone else: never written to
    live: np.ndarray  # neither deactivated nor bounced
    pending: np.ndarray  # live, waiting for a double opt-in

    @property
    def owned_count(self) -> int:
        """Active receivers the sync owns: the base of the mass-removal guard."""
        return int((self.ours & self.live & ~self.pending).sum())


@dataclass(frozen=True)
class Matches:
    """The members whose address the group holds, and the state of the receiver each one has."""

    desired_cids: np.ndarray  # every member's contact key (aligned with ``desired``)
    matched: np.ndarray  # per member: the group holds its address
    rows: np.ndarray  # the matched members' rows in ``desired``
    at: np.ndarray  # their receivers' rows in ``actual``
    cids: np.ndarray  # their contact keys
    live: np.ndarray
    pending: np.ndarray
    ours: np.ndarray
    bounced: np.ndarray
    reactivate: np.ndarray  # deactivated by the sync and wanted again (unless the CRM says unsubscribed)
    unsubscribed: np.ndarray  # not live, not bounced, not ours to reactivate: left alone

    @property
    def unmatched(self) -> np.ndarray:
        """The rows in ``desired`` of the members CleverReach does not have yet."""
        return np.flatnonzero(~self.matched)

    @property
    def writable(self) -> np.ndarray:
        """Matched receivers the sync may write to: live ones, and its own deactivations it undoes."""
        return self.live | self.reactivate


@dataclass(frozen=True)
class Changes:
    """Per matched member: which attributes, and whether the ext_id, differ from its receiver's."""

    attributes: dict[str, np.ndarray]
    ext_id: np.ndarray
    any: np.ndarray


def unique_receivers(actual: pd.DataFrame) -> pd.DataFrame:
    """One receiver per address (a page that repeated one keeps the first)."""
    if not all_distinct(actual["email_key"]):
        actual = actual[~actual["email_key"].duplicated(keep="first").to_numpy(dtype=bool)].reset_index(drop=True)
    return actual


def receiver_states(actual: pd.DataFrame, owned: pd.DataFrame) -> ReceiverStates:
    """Ownership by the record (never by ext_id) and consent: only a deactivation carrying our stamp is ours."""
    own_pos = first_positions(owned["receiver_id"], actual["receiver_id"])
    ours = own_pos >= 0
    safe = np.maximum(own_pos, 0)
    our_stamp = np.where(ours, owned["our_deactivated"].to_numpy(dtype="int64")[safe] if len(owned) else -1, -1)
    owner_cid = (np.where(ours, owned["contact_person_id"].to_numpy(dtype=object)[safe], NO_KEY).astype(object, copy=False)
                 if len(owned) else np.full(len(actual), NO_KEY, dtype=object))
    activated = actual["activated"].to_numpy(dtype="int64")
    deactivated = actual["deactivated"].to_numpy(dtype="int64")
    bounced = actual["bounced"].to_numpy(dtype="int64") > 0
    by_us = ours & ~bounced & (deactivated > 0) & (our_stamp == deactivated)
    live = (deactivated == 0) & ~bounced
    return ReceiverStates(own_pos=own_pos, ours=ours, owner_cid=owner_cid, bounced=bounced, by_us=by_us,
                          unsubscribed=(deactivated > 0) & ~bounced & ~by_us, live=live, pending=live & (activated == 0))


def contact_of(actual: pd.DataFrame, receivers: ReceiverStates, mask: np.ndarray) -> np.ndarray:
    """The contact the masked receivers stand for: the record's, else their ext_id's (``NO_KEY`` = none)."""
    rows = np.flatnonzero(mask)
    from_ext = _contact_ids(actual["ext_id"].iloc[rows]) if len(rows) else np.array([], dtype=object)
    owner = receivers.owner_cid[rows]
    return np.where(owner != NO_KEY, owner, from_ext).astype(object)


def match_members(desired: pd.DataFrame, actual: pd.DataFrame, receivers: ReceiverStates) -> Matches:
    """Members to receivers by e-mail key (and IDNA 2003's folding for our own), with the receivers' consent;
    ``actual`` holds one receiver per address (``unique_receivers``)."""
    desired_cids = key_array(desired["contact_person_id"])
    by_key = first_positions(actual["email_key"], desired["email_key"])
    positions = _refolded(by_key, desired["email_key"], desired_cids, actual["email_key"], receivers.owner_cid)
    matched = positions >= 0
    rows = np.flatnonzero(matched)
    at = positions[matched]
    crm_unsubscribed = _bools(desired["sync_state"].array.take(rows) == MemberState.UNSUBSCRIBED, missing=False)
    live, bounced = receivers.live[at], receivers.bounced[at]
    reactivate = receivers.by_us[at] & ~crm_unsubscribed
    return Matches(desired_cids=desired_cids, matched=matched, rows=rows, at=at, cids=desired_cids[rows], live=live,
                   pending=receivers.pending[at], ours=receivers.ours[at], bounced=bounced, reactivate=reactivate,
                   unsubscribed=~live & ~bounced & ~reactivate)


def attribute_changes(desired: pd.DataFrame, actual: pd.DataFrame, match: Matches) -> Changes:
    """What really differs between each matched member and its receiver: only that is worth a write."""
    attributes = {name: differs_at(desired[name], match.rows, actual[name], match.at) for name in ATTRIBUTES}
    ext_id = differs_at(desired["ext_id"], match.rows, actual["ext_id"], match.at)
    return Changes(attributes=attributes, ext_id=ext_id, any=np.logical_or.reduce([ext_id, *attributes.values()]))


def updates_to_write(desired: pd.DataFrame, actual: pd.DataFrame, match: Matches, changes: Changes) -> pd.DataFrame:
    """Writable receivers that differ from their members, with the old values and why (an adoption included),
    in write order (``by_email_key``)."""
    write = np.flatnonzero(match.writable & changes.any)
    write = write[by_email_key(desired, match.rows[write])]
    updates = desired.iloc[match.rows[write]].reset_index(drop=True)
    old = actual.iloc[match.at[write]].reset_index(drop=True)
    for name in ("email", "ext_id", *ATTRIBUTES):
        updates[f"{name}_old"] = old[name].to_numpy()
    updates["receiver_id"] = old["receiver_id"].to_numpy()
    updates["adopt"] = ~match.ours[write]
    updates["pending"] = match.pending[write]
    updates["reason"] = update_reasons(updates, {k: v[write] for k, v in changes.attributes.items()})
    updates["payload_hash"] = payload_hashes(updates)
    return updates


def update_reasons(updates: pd.DataFrame, changed: dict[str, np.ndarray]) -> pd.Series:
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


def adoptions(actual: pd.DataFrame, match: Matches, changes: Changes) -> pd.DataFrame:
    """Live receivers a member wants that are not ours and need no write: recorded as ours all the same."""
    adopt = match.live & ~match.ours & ~changes.any
    return pd.DataFrame({
        "receiver_id": actual["receiver_id"].array.take(match.at[adopt]),
        "email_key": actual["email_key"].array.take(match.at[adopt]),
        "contact_person_id": match.cids[adopt],
        "pending": match.pending[adopt],
    })


def owner_changes(owned: pd.DataFrame, receivers: ReceiverStates, match: Matches, changes: Changes) -> pd.DataFrame:
    """Our receivers needing no write whose address another contact now holds: the record follows the contact."""
    reassigned = match.ours & match.writable & ~changes.any & (receivers.owner_cid[match.at] != match.cids)
    changed = owned.iloc[receivers.own_pos[match.at][reassigned]].copy()
    changed["contact_person_id"] = match.cids[reassigned]
    return changed.reset_index(drop=True)


def reactivations(actual: pd.DataFrame, match: Matches) -> pd.DataFrame:
    """Receivers this sync deactivated itself whose member is back: the only consent the sync gives back."""
    out = actual.iloc[match.at[match.reactivate]][["receiver_id", "email", "email_key"]].reset_index(drop=True)
    out["contact_person_id"] = match.cids[match.reactivate]
    out["reason"] = "member again: the sync had deactivated this receiver itself"
    return out


def held_back(desired: pd.DataFrame, actual: pd.DataFrame, receivers: ReceiverStates,
              match: Matches) -> tuple[np.ndarray, np.ndarray]:
    """Per unmatched member: (unsubscribed in CleverReach under another address, unsubscribed in the CRM).

    An unsubscribe holds for the person, so neither is added under a new address."""
    unmatched = ~match.matched
    remote = isin_keys(match.desired_cids[unmatched], contact_of(actual, receivers, receivers.unsubscribed))
    crm = (desired["sync_state"][unmatched] == MemberState.UNSUBSCRIBED).to_numpy() & ~remote
    return remote, crm


def new_members(desired: pd.DataFrame, match: Matches, held: np.ndarray) -> pd.DataFrame:
    """Members CleverReach does not have yet and who may be added, with their payload's hash, in write order
    (``by_email_key``)."""
    rows = match.unmatched[~held]
    adds = desired.iloc[rows[by_email_key(desired, rows)]].reset_index(drop=True)
    adds["reason"] = "new member"
    adds["payload_hash"] = payload_hashes(adds)
    return adds


def by_email_key(desired: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The order (positions into ``rows``) in which the writes for these members go out: by e-mail key. The
    ownership, intent and result rows of one batch are then neighbours in their e-mail-keyed indexes, so a batch
    of a thousand changes a few index pages instead of one page per receiver (a random order made the first sync
    of a million four times slower on SQLite's write-ahead log). The rows are ordered before the frame is taken,
    so the frame of a million adds is built once, not built and then sorted into a copy."""
    if len(rows) < 2:
        return np.arange(len(rows))
    return pd.Series(desired["email_key"].array.take(rows)).argsort(kind="stable").to_numpy()


def consent(desired: pd.DataFrame, rows: np.ndarray, reason: str) -> pd.DataFrame:
    """The members at ``rows`` left alone for a consent reason (``plan.CONSENT_COLUMNS``)."""
    out = desired.iloc[rows, desired.columns.get_indexer(["contact_person_id", "email"])].reset_index(drop=True)
    out["reason"] = reason
    return out


def hold_refused(frame: pd.DataFrame, refusals: pd.DataFrame, action: str, state: str) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def removals(actual: pd.DataFrame, receivers: ReceiverStates, match: Matches,
             withdrawn: pd.DataFrame | None) -> pd.DataFrame:
    """Our live receivers no member wants, and any unwanted receiver of a withdrawn contact (``erase``)."""
    wanted = np.zeros(len(actual), dtype=bool)
    wanted[match.at] = True
    drop = ~wanted & receivers.ours & receivers.live
    erase, erase_cid, erase_reason = withdrawn_receivers(actual, receivers.owner_cid, withdrawn, ~wanted)
    removing = drop | erase
    removes = actual[removing].copy()
    contact = erase_cid[removing]
    contact = np.where(contact != NO_KEY, contact, contact_of(actual, receivers, removing)).astype(object)
    removes["contact_person_id"] = np.where(contact != NO_KEY, contact, None).astype(object)
    still_member = isin_keys(contact, match.desired_cids)
    removes["erase"] = erase[removing]
    removes["reason"] = np.where(
        removes["erase"].to_numpy(dtype=bool), erase_reason[removing] + ": deleted from the group",
        np.where(still_member, "e-mail changed in the CRM", "no longer on the list"),
    )
    return removes.reset_index(drop=True)


def withdrawn_receivers(actual: pd.DataFrame, owner_cid: np.ndarray, withdrawn: pd.DataFrame | None,
                        unwanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(to erase, contact key or ``NO_KEY``, reason) per receiver: unwanted receivers that stand for a withdrawn
    contact by the ownership record, or by a withdrawn member's address."""
    none = np.zeros(len(actual), dtype=bool)
    if withdrawn is None or withdrawn.empty or actual.empty:  # read-only views of one value: 16 MB less at a million
        return (none, np.broadcast_to(np.array(NO_KEY, dtype=object), len(actual)),
                np.broadcast_to(np.array("", dtype=object), len(actual)))
    reasons = np.full(len(actual), "", dtype=object)
    withdrawn = withdrawn.assign(contact_person_id=key_array(withdrawn["contact_person_id"]))
    by_contact = withdrawn.drop_duplicates("contact_person_id").set_index("contact_person_id")["reason"]
    keyed = withdrawn[withdrawn["email_key"].astype(str) != ""].drop_duplicates("email_key").set_index("email_key")
    hit_owner = isin_keys(owner_cid, by_contact.index) & (owner_cid != NO_KEY)
    key_pos = first_positions(pd.Series(keyed.index.array), actual["email_key"])  # in Arrow where both are text
    hit_key = key_pos >= 0
    cid = np.where(hit_owner, owner_cid, NO_KEY).astype(object, copy=False)
    key_cids = keyed["contact_person_id"].to_numpy(dtype=object)
    if len(key_cids):
        cid = np.where(~hit_owner & hit_key, key_cids[np.maximum(key_pos, 0)], cid).astype(object, copy=False)
    erase = (hit_owner | hit_key) & unwanted
    reasons[erase] = by_contact.reindex(cid[erase]).to_numpy()
    return erase, cid, reasons


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


def _bools(result: object, *, missing: bool) -> np.ndarray:
    """A comparison's result as a numpy bool array, whether the column was numpy- or Arrow-backed."""
    if hasattr(result, "to_numpy"):
        return result.to_numpy(dtype=bool, na_value=missing)
    return np.asarray(result, dtype=bool)


def _contact_ids(ext_ids: pd.Series) -> np.ndarray:
    """The contact keys receivers' ext_ids name: the text itself (the sync writes a contact's key as its
    ext_id), trimmed; ``NO_KEY`` where it is empty."""
    text = as_text(ext_ids).str.strip()
    return text.to_numpy(dtype=object)
