"""The move from hyperspace's own CleverReach interface: a list's first sync takes over what it left (pure).

hyperspace's interface wrote the ``ext_id`` global attribute (the contact id as text) into its groups'
receivers. The diff matches by e-mail and owns only what it created or adopted by e-mail, so a contact
whose address changed since would keep the OLD receiver active next to the new one. At a list's first
sync (the list has no sync that was applied and finished with ``success``: ``ListState.first_sync``; a dry
run, a blocked, failed or partial run does not count, so the next run takes over what is left),
:func:`take_over` looks at the receivers of the list's OWN group whose ext_id names a member the diff plans
for (a valid member of this list):

* A stale receiver (its address is no member's address on this list) is adopted: recorded as owned,
  origin ``adopted``, for that member. The diff then removes it like any owned receiver no member wants
  (per ``removal_mode``), with :data:`STALE_REASON`; the current address carries the membership (added, or
  adopted by e-mail as before). A bounced stale receiver is recorded and left as it is.
* An unsubscribe holds for the person. When a stale receiver, or the receiver of the member's current
  address, was deactivated by anyone but this sync, the member is ``unsubscribed`` and taken out of the
  members the diff plans for (never added, updated or reactivated), and every live receiver of that person
  in the group (stale or current, active or pending) is DEACTIVATED whatever ``removal_mode`` says: a
  deleted receiver forgets the opt-out (any later insert creates the address afresh, active); a deactivated
  one keeps it. These receivers are not recorded as the sync's own (a record holds our deactivation
  stamp, and the sync undoes its own deactivations when a member returns): they are the person's, and any
  later sync sees them as unsubscribed. A record of them left by an earlier, unfinished run is dropped.
* A withdrawn member (the CRM marks them "no marketing", deleted or anonymised, ``sync.withdrawn``): a
  receiver whose ext_id names such a member of this list, at an address no valid member has, is adopted for
  them too, so that the diff deletes it like every receiver that stands for a withdrawn contact.
* Everything else is untouched: receivers whose ext_id names no member of this list (a contact of another
  list, or the account-wide value of an address seen through another group), names nobody, or is malformed.
  ext_ids are compared as text with the members' contact ids (``str``: ``"042"`` or ``"42.0"`` name nobody).

Every removal and deactivation here counts for the mass-removal guard, and a dry run stores them in the plan.
Vectorised: index look-ups over all receivers, no Python per receiver.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cleverreach.sync.diff_steps import unique_receivers
from cleverreach.sync.keys import first_positions
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, OWNED_COLUMNS, Ownership, OwnershipOrigin, owned_frame
from cleverreach.sync.plan import CONSENT_COLUMNS, SyncPlan, empty_frame

STALE_REASON = "stale address from before the move: its ext_id names a member whose e-mail is now another"
UNSUBSCRIBED_HERE = "unsubscribed in CleverReach"
UNSUBSCRIBED_BEFORE = "unsubscribed in CleverReach under a previous address"
HOLD_REASON = ("the person unsubscribed in CleverReach (this or another of their addresses, before the move): "
               "deactivated, never deleted, so that CleverReach keeps the opt-out")


@dataclass
class Takeover:
    """What the first sync takes over; :meth:`settle` brings it into the diff's plan.

    ``desired``: the members the diff plans for (held persons taken out). ``ownership``: the resolved record
    with the stale receivers adopted and the held persons' receivers released. ``stale``: receiver ids of
    the adopted stale receivers. ``held``: ``CONSENT_COLUMNS`` of the members unsubscribed on one of their
    addresses. ``deactivations``: receiver rows (actual's columns, ``contact_person_id``, ``reason``) of the
    held persons' live receivers.
    """

    desired: pd.DataFrame
    ownership: Ownership
    stale: np.ndarray
    held: pd.DataFrame
    deactivations: pd.DataFrame

    @classmethod
    def nothing(cls, desired: pd.DataFrame, ownership: Ownership) -> Takeover:
        """Not a first sync, or nothing to take over: the diff's inputs as they are."""
        return cls(desired, ownership, np.array([], dtype=object), empty_frame(CONSENT_COLUMNS),
                   empty_frame(["receiver_id", "contact_person_id", "reason"]))

    def settle(self, plan: SyncPlan) -> SyncPlan:
        """The diff's plan with the stale removals' reason, the held persons' deactivations (``deactivate``:
        whatever ``removal_mode`` says) and their members as ``unsubscribed``."""
        removes = plan.removes if "deactivate" in plan.removes else plan.removes.assign(deactivate=False)
        if len(self.stale) and len(removes):
            stale = removes["receiver_id"].isin(self.stale).to_numpy(dtype=bool) & ~plan.erasing.to_numpy(dtype=bool)
            removes = removes.assign(reason=removes["reason"].where(~stale, STALE_REASON))
        if len(self.deactivations):
            new = self.deactivations[~self.deactivations["receiver_id"].isin(removes["receiver_id"])]
            new = new.assign(erase=False, deactivate=True)
            removes = new[removes.columns] if removes.empty else pd.concat([removes, new[removes.columns]], ignore_index=True)
        unsubscribed = plan.unsubscribed
        if len(self.held):
            unsubscribed = self.held if unsubscribed.empty else pd.concat([unsubscribed, self.held], ignore_index=True)
        owned_count = plan.owned_count
        if len(self.stale) or len(self.deactivations):  # the guard's base: what the list owns after this run
            owned_count += _active_adopted_by_email(plan)
        return replace(plan, removes=removes.reset_index(drop=True), unsubscribed=unsubscribed,
                       owned_count=owned_count)


def _active_adopted_by_email(plan: SyncPlan) -> int:
    """Active receivers the diff adopts by e-mail in this run (with or without an update): at a first sync
    they are the bulk of what the list will own, so the mass-removal guard weighs the stale removals
    against them rather than against the stale receivers alone."""
    adopted = int((~plan.adoptions["pending"].astype(bool)).sum()) if len(plan.adoptions) else 0
    if len(plan.updates) and "adopt" in plan.updates:
        updates = plan.updates
        adopted += int((updates["adopt"].astype(bool) & ~updates["pending"].astype(bool)).sum())
    return adopted


def take_over(desired: pd.DataFrame, actual: pd.DataFrame, ownership: Ownership, *, first: bool,
              withdrawn: pd.DataFrame | None = None) -> Takeover:
    """What a list's first sync takes over from hyperspace's interface (see the module's docstring).

    :param desired: the valid members (``DESIRED_COLUMNS``). :param actual: the group's receivers
    (``ACTUAL_COLUMNS``). :param ownership: the record resolved against ``actual``. :param first: the list
    has no applied, successful sync yet; otherwise nothing is taken over. :param withdrawn: the list's own
    withdrawn members (``sync.withdrawn.WITHDRAWN_COLUMNS``), whose old receivers are taken over for deletion.
    """
    if not first or actual.empty:
        return Takeover.nothing(desired, ownership)
    gone = _withdrawn_receivers(desired, actual, ownership, withdrawn)
    if desired.empty:
        return Takeover.nothing(desired, _take(ownership, np.zeros(len(ownership.owned), dtype=bool), gone))
    actual = unique_receivers(actual)  # as the diff: the first receiver of an address counts
    member_ids = desired["contact_person_id"].astype(str)
    named = first_positions(member_ids, actual["ext_id"])  # the member an ext_id names, -1 = none
    current = first_positions(desired["email_key"], actual["email_key"])  # the member whose address it is
    stale = (named >= 0) & (current < 0)
    person = np.where(current >= 0, current, np.where(stale, named, -1))

    owned = ownership.owned
    own_pos = first_positions(owned["receiver_id"], actual["receiver_id"])
    ours = own_pos >= 0
    stamps = owned["our_deactivated"].to_numpy(dtype="int64")
    our_stamp = np.where(ours, stamps[np.maximum(own_pos, 0)] if len(stamps) else NOT_DEACTIVATED_BY_US, NOT_DEACTIVATED_BY_US)
    deactivated = actual["deactivated"].to_numpy(dtype="int64")
    bounced = actual["bounced"].to_numpy(dtype="int64") > 0
    unsubscribed = (deactivated > 0) & ~bounced & (our_stamp != deactivated)
    live = (deactivated == 0) & ~bounced

    held_member = np.zeros(len(desired), dtype=bool)
    held_member[person[(person >= 0) & unsubscribed]] = True
    if not stale.any() and not held_member.any():
        return Takeover.nothing(desired, _take(ownership, np.zeros(len(owned), dtype=bool), gone))
    held_here = np.zeros(len(desired), dtype=bool)
    held_here[current[(current >= 0) & unsubscribed]] = True
    of_held = (person >= 0) & held_member[np.maximum(person, 0)]

    rows = np.flatnonzero(held_member)
    held = desired.iloc[rows][["contact_person_id", "email"]].reset_index(drop=True)
    held["reason"] = np.where(held_here[rows], UNSUBSCRIBED_HERE, UNSUBSCRIBED_BEFORE)
    deactivate = of_held & live
    deactivations = actual[deactivate].reset_index(drop=True)
    deactivations["contact_person_id"] = desired["contact_person_id"].to_numpy()[person[deactivate]]
    deactivations["reason"] = HOLD_REASON

    adopt = stale & ~of_held & ~ours
    adopted = pd.DataFrame({
        "email_key": actual["email_key"].to_numpy()[adopt],
        "receiver_id": actual["receiver_id"].to_numpy()[adopt],
        "contact_person_id": desired["contact_person_id"].to_numpy()[named[adopt]],
        "origin": str(OwnershipOrigin.ADOPTED),
        "our_deactivated": NOT_DEACTIVATED_BY_US,
    }, columns=OWNED_COLUMNS)
    adopted = pd.concat([adopted, gone], ignore_index=True) if len(gone) else adopted
    released = np.zeros(len(owned), dtype=bool)
    released[own_pos[of_held & ours]] = True
    return Takeover(
        desired=desired[~held_member].reset_index(drop=True),
        ownership=_take(ownership, released, adopted),
        stale=actual["receiver_id"].to_numpy()[stale & ~of_held],
        held=held,
        deactivations=deactivations,
    )


def _withdrawn_receivers(desired: pd.DataFrame, actual: pd.DataFrame, ownership: Ownership,
                         withdrawn: pd.DataFrame | None) -> pd.DataFrame:
    """``OWNED_COLUMNS`` of the receivers whose ext_id names a withdrawn member of this list, at an address
    no valid member has, that the record does not hold yet: adopted, so that the diff deletes them."""
    if withdrawn is None or withdrawn.empty:
        return empty_frame(OWNED_COLUMNS)
    ids = withdrawn["contact_person_id"].drop_duplicates().reset_index(drop=True)
    named = first_positions(ids.astype(str), actual["ext_id"])
    wanted = first_positions(desired["email_key"], actual["email_key"]) >= 0
    held = first_positions(ownership.owned["receiver_id"], actual["receiver_id"]) >= 0
    take = (named >= 0) & ~wanted & ~held
    return pd.DataFrame({
        "email_key": actual["email_key"].to_numpy()[take],
        "receiver_id": actual["receiver_id"].to_numpy()[take],
        "contact_person_id": ids.to_numpy()[named[take]],
        "origin": str(OwnershipOrigin.ADOPTED),
        "our_deactivated": NOT_DEACTIVATED_BY_US,
    }, columns=OWNED_COLUMNS)


def _take(ownership: Ownership, released: np.ndarray, adopted: pd.DataFrame) -> Ownership:
    """The record without the released rows (their keys dropped from the table) and with the adopted ones."""
    if not released.any() and adopted.empty:
        return ownership
    owned, save = ownership.owned, ownership.save
    gone = owned[released]
    if len(gone):
        owned = owned[~released]
        save = save[~save["receiver_id"].isin(gone["receiver_id"])]
    if len(adopted):
        adopted = owned_frame(adopted)
        owned = pd.concat([owned, adopted], ignore_index=True) if len(owned) else adopted
        save = pd.concat([save, adopted], ignore_index=True) if len(save) else adopted
    drop = [*ownership.drop, *gone["email_key"].tolist()]
    return Ownership(owned_frame(owned), owned_frame(save), drop)
