"""The diff between a list's desired members and its group's receivers, in vectorised pandas.

Rules, in order:

* Members and receivers match by e-mail key (``sync.keys``: case-insensitive, domain in ASCII form); a member
  whose key no receiver has also matches the receiver the sync owns for that contact when the two differ only
  by IDNA 2003's folding (``email_keys.folded_email_key``: a service that stores ``straße.de`` as ``strasse.de``).
* Contact keys are text (``cleverreach.crm.keys``: an integer's decimal text, a UUID, the CRM's text); a
  receiver's ext_id is that text. Key arrays are numpy object arrays with ``NO_KEY`` for none, compared
  through pandas' hash tables (``sync.keys.isin_keys``); a member's receiver, and a receiver's ownership row,
  are found by ``sync.keys.first_positions`` (Arrow's hash table where both columns are Arrow text).
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

import pandas as pd

from cleverreach.enums import MemberState
from cleverreach.sync.diff_steps import (
    adoptions,
    attribute_changes,
    consent,
    held_back,
    hold_refused,
    match_members,
    new_members,
    owner_changes,
    reactivations,
    receiver_states,
    removals,
    unique_receivers,
    updates_to_write,
)
from cleverreach.sync.ownership import owned_frame
from cleverreach.sync.plan import SyncPlan, empty_frame

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

    Each line below is a named step of ``sync.diff_steps``; its docstring says which rule it carries out.

    :param owned: the resolved ownership record (``sync.ownership``); None = the sync owns nothing yet.
    :param refusals: ``REFUSAL_COLUMNS`` of the list's remembered refusals.
    :param withdrawn: ``sync.withdrawn.WITHDRAWN_COLUMNS`` of the contacts that may not be marketed to.
    """
    actual = unique_receivers(actual)
    owned = owned_frame(owned)
    refusals = refusals if refusals is not None else empty_frame(REFUSAL_COLUMNS)
    receivers = receiver_states(actual, owned)
    match = match_members(desired, actual, receivers)
    changes = attribute_changes(desired, actual, match)
    updates, refused_updates = hold_refused(updates_to_write(desired, actual, match, changes), refusals, "update",
                                            MemberState.PENDING)
    held_remote, held_crm = held_back(desired, actual, receivers, match)
    adds, refused_adds = hold_refused(new_members(desired, match, held_remote | held_crm), refusals, "add",
                                      MemberState.REJECTED)
    unchanged = match.live & ~changes.any
    return SyncPlan(
        adds=adds,
        updates=updates,
        removes=removals(actual, receivers, match, withdrawn),
        unsubscribed=pd.concat([
            consent(desired, match.rows[match.unsubscribed], "unsubscribed in CleverReach"),
            consent(desired, match.unmatched[held_remote], "unsubscribed in CleverReach under a previous address"),
            consent(desired, match.unmatched[held_crm], "unsubscribed (recorded in the CRM); not added again"),
        ], ignore_index=True),
        bounced=consent(desired, match.rows[match.bounced], "bounced in CleverReach"),
        reactivations=reactivations(actual, match),
        adoptions=adoptions(actual, match, changes),
        owner_changes=owner_changes(owned, receivers, match, changes),
        unconfirmed=consent(desired, match.rows[unchanged & match.pending], PENDING_REASON),
        refused=pd.concat([refused_adds, refused_updates], ignore_index=True),
        unchanged_ids=match.cids[unchanged & ~match.pending],
        owned_count=receivers.owned_count,
    )
