"""Changes-only syncs: whether a run may read only the receivers of the contacts that changed, and which.

A full reconciliation reads every receiver of the group (a million take about ten seconds to read and type). A
list whose last full reconciliation is recent, and whose every run since succeeded, is synced from its changes
instead: the members the CRM changed since the last run and the contacts the record owns a receiver for that are
no longer members or may no longer be marketed to (:func:`interest`). Only their receivers are
read (by id and by address), and the diff (``sync.diff``) runs on them alone. Pure: the service reads and writes.

What a changes-only run cannot see waits for the next full reconciliation (``reconcile_hours``): a receiver
edited or deleted in CleverReach, a company renamed in the CRM (the contact's ``changed_at`` does not move), a
receiver created since by someone else that names a contact by ext_id. An
unsubscribe reaches the member by the webhook (``cleverreach.webhooks``) or the daily history; nothing is written
to an unsubscribed receiver in between, as its contact is either unchanged (nothing sent) or read (its state
seen). Anything a subset cannot decide alone makes the run a full one (:class:`Fallback`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from cleverreach.enums import MemberState, RunStatus, SyncScope
from cleverreach.sync.keys import NO_KEY, isin_keys, key_array

#: how much further back than the last run's start a contact's change counts as new: a CRM whose clock runs behind
#: Airflow's stamps a change made just after that start with an earlier time
SINCE_MARGIN = timedelta(minutes=15)

#: member states the CRM's side never changes by itself: their members are read again only when their contact
#: changed since the last run (any other member state is read every run)
SETTLED_STATES = frozenset({MemberState.SYNCED, MemberState.REJECTED, MemberState.UNSUBSCRIBED, MemberState.BOUNCED})


class Fallback(StrEnum):
    """Why a run reads the whole group (``sync_run.scope`` is then ``full``; the log says why)."""

    OFF = "changes-only syncs are off (reconcile_hours is 0)"
    ASKED = "a full reconciliation was asked for"
    NONE_YET = "the list has no successful full reconciliation yet"
    DUE = "the last full reconciliation is older than reconcile_hours"
    UNSETTLED = "a run since the last full reconciliation did not succeed"
    INTENTS = "an interrupted run left ownership intents"
    RECORD_SHORT = "the ownership record holds fewer receivers than the list has synced members"
    TOO_MANY = "more changed contacts than changes_limit"
    FOREIGN = "a changed contact is named by a receiver the sync does not own"
    SHARED = "a receiver read for a changed contact belongs to another contact"
    UNRESOLVED = "a receiver the sync owns for a changed contact has no recorded id yet"
    REMOVALS = "the changes remove more receivers than the mass-removal guard's minimum"


@dataclass(frozen=True)
class PastRun:
    """One applied run of the list since its last successful full reconciliation (``sync_select_scope_facts``)."""

    started_at: datetime
    status: str
    scope: str | None


def choose_scope(past: Sequence[PastRun], *, reconcile_hours: int, full_asked: bool,
                 now: datetime) -> tuple[SyncScope, Fallback | None, datetime | None]:
    """The run's scope before anything is read, why it is full, and (for a changes-only run) the start of the
    last run: a contact changed after it is read again. ``past``: newest first, ending with the last successful
    full reconciliation (a list without one has none of its runs here that matter)."""
    if reconcile_hours <= 0:
        return SyncScope.FULL, Fallback.OFF, None
    if full_asked:
        return SyncScope.FULL, Fallback.ASKED, None
    full = [run for run in past if run.scope == SyncScope.FULL and run.status == RunStatus.SUCCESS]
    if not full:
        return SyncScope.FULL, Fallback.NONE_YET, None
    if now - full[-1].started_at >= timedelta(hours=reconcile_hours):
        return SyncScope.FULL, Fallback.DUE, None
    if any(run.status != RunStatus.SUCCESS for run in past):
        return SyncScope.FULL, Fallback.UNSETTLED, None
    return SyncScope.CHANGES, None, past[0].started_at


@dataclass(frozen=True)
class Interest:
    """The contacts a changes-only run reads: members to read from the CRM, and contacts the record owns a
    receiver for that no longer want one."""

    members: np.ndarray  # contact keys of members to read (text)
    gone: np.ndarray  # contact keys in the record that are no members, or withdrawn (text)
    member_count: int
    synced_count: int  # members whose stored state is synced
    owned_contacts: int  # distinct contacts the record owns a receiver for

    @property
    def record_short(self) -> bool:
        """Fewer contacts own a receiver than members are synced: the record lost rows (a tenant's move, a
        receiver's deletion forgotten by a webhook), which only the whole group can restore."""
        return self.synced_count > self.owned_contacts

    @property
    def size(self) -> int:
        return len(self.members) + len(self.gone)


def interest(marks: pd.DataFrame, since: datetime, record_contacts: np.ndarray, withdrawn: pd.Series) -> Interest:
    """Which contacts a changes-only run looks at (vectorised over a million members).

    :param marks: every member's ``contact_person_id``, ``sync_state``, ``synced_at`` and ``changed_at``.
    :param since: the last run's start: a contact changed at or after it (less ``SINCE_MARGIN``) is read again, in
        any state.
    :param record_contacts: the contact keys of the receivers the sync owns (``record_keys``).
    :param withdrawn: the tenant's contacts that may not be marketed to (``sync.withdrawn``).
    """
    cids = key_array(marks["contact_person_id"])
    state = marks["sync_state"].astype(object).to_numpy()
    changed = _utc(marks["changed_at"])
    synced = _utc(marks["synced_at"])
    unsettled = ~pd.Series(state).isin(list(SETTLED_STATES)).to_numpy()
    stale = (state == MemberState.SYNCED) & changed.notna().to_numpy() & (
        synced.isna() | (changed > synced)).to_numpy(dtype=bool)
    recent = (changed >= _as_utc(since) - SINCE_MARGIN).to_numpy(dtype=bool)
    withdrawn_keys = key_array(withdrawn) if len(withdrawn) else np.array([], dtype=object)
    marked = isin_keys(cids, withdrawn_keys) & (state != MemberState.REJECTED)
    members = cids[unsettled | stale | recent | marked]
    owned = record_contacts[record_contacts != NO_KEY]
    gone = owned[~isin_keys(owned, cids) | isin_keys(owned, withdrawn_keys)]
    return Interest(members=members, gone=np.unique(gone.astype(str)).astype(object) if len(gone) else gone,
                    member_count=len(cids), synced_count=int((state == MemberState.SYNCED).sum()),
                    owned_contacts=int(pd.Series(owned, dtype=object, copy=False).nunique()))


def _utc(values: pd.Series) -> pd.Series:
    """Times as PostgreSQL (``datetime``) or SQLite (ISO text, aware or naive: UTC) return them (``sync.staleness``)."""
    return pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True)


def _as_utc(moment: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def foreign_contacts(actual: pd.DataFrame, owned_receiver_ids: pd.Series) -> list[str]:
    """The ext_ids of the receivers the sync does not own (a full read's): contacts a changes-only run does not
    decide alone (:attr:`Fallback.FOREIGN`)."""
    if actual.empty:
        return []
    foreign = ~isin_keys(actual["receiver_id"].astype(object).to_numpy(), owned_receiver_ids.astype(object).to_numpy())
    named = actual.loc[foreign, "ext_id"].astype(object).dropna().astype(str).str.strip()
    return sorted(set(named.tolist()) - {""})


def shared_with_others(actual: pd.DataFrame, owners: np.ndarray, contacts: np.ndarray) -> bool:
    """Whether a receiver read for ``contacts`` is owned by (``owners``: per receiver, the record's contact or
    ``NO_KEY``), or names by ext_id, a contact outside them: the two contacts' wishes are one diff's question (a
    shared address), decided by a full reconciliation."""
    if actual.empty:
        return False
    named = actual["ext_id"].astype(object).fillna("").astype(str).str.strip().to_numpy(dtype=object)
    others = ((owners != NO_KEY) & ~isin_keys(owners, contacts)) | ((named != "") & ~isin_keys(named, contacts))
    return bool(others.any())


def record_keys(contact_ids: pd.Series) -> np.ndarray:
    """The record's contact keys (text, ``NO_KEY`` for a receiver without a contact) as an object array."""
    return np.asarray(contact_ids.fillna(NO_KEY).astype(str), dtype=object)
