"""A flag that tells the truth: a member whose contact changed in the CRM after its last sync is pending.

``recipient_list_member.sync_state`` is written by the sync; the CRM changes contacts in between. A
member shown as ``synced`` whose contact's ``changed_at`` lies after the member's ``synced_at`` is
therefore shown as ``pending`` (with the reason) until the next sync of its list writes it again. Other
states are shown as stored: ``rejected``, ``unsubscribed`` and the rest are already "not as the CRM has
it". Timestamps come back as ``datetime`` from PostgreSQL and as ISO text from SQLite, aware or naive (a CRM
column without time zone holds UTC): both are compared as UTC (``cleverreach.clock``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cleverreach.clock import as_utc
from cleverreach.enums import MemberState
from cleverreach.sync.keys import key_column

CHANGED_REASON = "contact changed in the CRM after the last sync; the next sync writes it"


def changed_since_sync(sync_state: str, changed_at: Any, synced_at: Any) -> bool:
    """Whether a ``synced`` member's contact changed after the member was last synced."""
    if sync_state != MemberState.SYNCED:
        return False
    changed, synced = as_utc(changed_at), as_utc(synced_at)
    if changed is None:
        return False
    return synced is None or changed > synced


def shown_member(row: dict[str, Any]) -> dict[str, Any]:
    """A member row (``sync_state``, ``sync_error``, ``synced_at``, ``changed_at``) as the page shows it;
    ``changed_at`` is consumed, so the row keeps the shape it had without it."""
    shown = dict(row)
    changed_at = shown.pop("changed_at", None)
    if changed_since_sync(shown["sync_state"], changed_at, shown.get("synced_at")):
        shown["sync_state"], shown["sync_error"] = str(MemberState.PENDING), CHANGED_REASON
    return shown


#: the members' columns only this module reads (the sync drops them once it has)
STALENESS_COLUMNS = ("changed_at", "synced_at")


def changed_contacts(members: pd.DataFrame) -> np.ndarray:
    """Contact ids of the ``synced`` members whose contact changed after their last sync (vectorised): the
    sync stamps them again even when nothing it sends differs, so that they stop showing as pending."""
    if members.empty or any(column not in members for column in STALENESS_COLUMNS):
        return np.array([], dtype=object)
    changed = pd.to_datetime(members["changed_at"], errors="coerce", format="ISO8601", utc=True)
    synced = pd.to_datetime(members["synced_at"], errors="coerce", format="ISO8601", utc=True)
    stale = (members["sync_state"] == MemberState.SYNCED) & changed.notna() & (synced.isna() | (changed > synced))
    return key_column(members.loc[stale.to_numpy(dtype=bool), "contact_person_id"]).to_numpy(dtype=object)
