"""One list's sync: read both sides and the ownership record, plan, store the plan, guard, apply, record.

The diff is state-based, so a crash anywhere (between batches included) is repaired by the next run:
it recomputes the plan from what CleverReach, the CRM and the ownership record hold by then (the record
is written every few batches as the writes succeed, and intents name what was sent before it: ``sync.apply``).

Between full reconciliations a run may read only what changed (``sync.scope``, connection extra
``reconcile_hours``): the changed contacts' members and their receivers, by id and address; the same diff runs on
that subset, and anything the subset cannot decide alone makes the run read the whole group after all.

A group is marked gone only when two reads of it in a row say so (a 404, or CleverReach's ``200 []``):
one transient 404 must not retire a list.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cleverreach.clock import utcnow
from cleverreach.enums import ChangeAction, MemberState, RemovalMode, RunStatus, SyncScope
from cleverreach.exceptions import CleverReachNotFoundError, GroupGoneError, MassRemovalError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.lists.target import ListTarget
from cleverreach.sync.actual import receivers_frame
from cleverreach.sync.approval_guard import guard_removals
from cleverreach.sync.approval_store import SyncApprovalStore
from cleverreach.sync.apply import PlanApplier, Tally
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import PENDING_REASON, diff
from cleverreach.sync.fence import Fence
from cleverreach.sync.fields import ATTRIBUTE_DESCRIPTIONS
from cleverreach.sync.intents import absorb, resolve_intents
from cleverreach.sync.flags import run_flags
from cleverreach.sync.keys import NO_KEY, first_positions, isin_keys, shared_keys
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.memory import return_freed_heap
from cleverreach.sync.list_state import ListState
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, Ownership, resolve_ownership
from cleverreach.sync.plan import SyncPlan
from cleverreach.sync.scope import (
    Fallback,
    choose_scope,
    foreign_contacts,
    interest,
    record_keys,
    shared_with_others,
)
from cleverreach.sync.staleness import STALENESS_COLUMNS, changed_contacts
from cleverreach.sync.takeover import take_over
from cleverreach.sync.withdrawn import combine, withdrawn_frame

log = logging.getLogger(__name__)

__all__ = ["ListRead", "ListSync", "Tally"]

#: what the run keeps of the desired state after the plan (the member states it sets): at a million members the
#: e-mails, keys and attributes are 200 MB that the writes, which carry their own rows, do not need
VALID_KEPT = ["contact_person_id", "sync_state"]


def _until(stop: threading.Event, pages: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """``pages`` until ``stop`` is set (the plan failed on the CRM's side: the group's read is not needed)."""
    for page in pages:
        if stop.is_set():
            return
        yield page


@dataclass(frozen=True)
class ListRead:
    """One read of both sides of a list and the plan made from it (``ListSync.plan``)."""

    plan: SyncPlan
    ownership: Ownership  # the record resolved against the group (intents absorbed, the first sync's takeover)
    valid: pd.DataFrame  # the members the plan is for: their keys and stored states (``VALID_KEPT``)
    rejected: pd.DataFrame  # the members refused before the diff (``sync.desired``)
    refused_before: set[str]  # contact keys of the refusals remembered before this run
    receiver_count: int  # the receivers the group held when read (a changes-only run: as last recorded)
    changed_ids: set[str]  # synced members whose contact changed since (``sync.staleness``)
    settled_intents: list[str]  # earlier runs' ownership intents the plan resolved (``sync.intents``)
    scope: SyncScope = SyncScope.FULL  # what of the group was read (``sync.scope``)
    untouched: int = 0  # members a changes-only run did not read: unchanged since the last run

    def tally(self) -> Tally:
        """The counts the plan settles before anything is written."""
        plan = self.plan
        return Tally(
            rejected=len(self.rejected) + int((plan.refused["action"] == ChangeAction.ADD).sum()),
            unchanged=len(plan.unchanged_ids) + len(plan.unsubscribed) + len(plan.bounced) + len(plan.unconfirmed)
            + self.untouched,
            unconfirmed=len(plan.unconfirmed), unsubscribed=len(plan.unsubscribed), bounced=len(plan.bounced),
        )


class ListSync:
    """One list of one tenant. Build it per list; call :meth:`run`."""

    #: seconds between the two reads that confirm a group is gone
    GONE_CONFIRM_PAUSE = 2.0

    def __init__(
        self,
        cleverreach: CleverReachHook,
        ledger: RunLedger,
        target: ListTarget,
        *,
        dag_id: str,
        run_id: str,
        logger: logging.Logger | None = None,
        full: bool = False,
    ) -> None:
        """``target``: the list, its ownership checked once (``ListStore.sync_target``); ``ledger``: the
        attempt's run ledger (lease, stored plan, results); ``full``: read the whole group whatever
        ``reconcile_hours`` allows (``sync.scope``)."""
        self.cr = cleverreach
        self.ledger = ledger
        self.target = target
        self.state = ListState(ledger.engine, target)
        self.label = target.label
        self.dag_id, self.run_id = dag_id, run_id
        self.log = logger or log
        self.fence: Fence | None = None  # the run's lease, once taken: beats while the group is read
        self.full_asked = full
        self.run_pk: int | None = None

    # ------------------------------------------------------------------ read and plan
    def plan(self) -> ListRead:
        """The run's plan: from the changes alone where ``sync.scope`` allows it, else from the whole group."""
        settings = self.cr.settings
        past = self.ledger.runs_since_full(self.target.list_id, self.run_pk) if self.run_pk is not None else []
        scope, why, since = choose_scope(past, reconcile_hours=settings.reconcile_hours, full_asked=self.full_asked,
                                         now=utcnow())
        if scope is SyncScope.CHANGES and since is not None:
            read = self._plan_changes(since)
            if isinstance(read, ListRead):
                self._record_scope(SyncScope.CHANGES)
                return read
            why = read
        if settings.reconcile_hours:
            self.log.info("%s: the whole group is read: %s", self.label, why)
        self._record_scope(SyncScope.FULL)
        return self._plan_full()

    def _record_scope(self, scope: SyncScope) -> None:
        if self.run_pk is not None:
            self.ledger.set_scope(self.run_pk, scope)

    def _plan_full(self) -> ListRead:
        """Read the members, the group and the ownership record; resolve, take over and diff."""
        settings = self.cr.settings
        started = time.monotonic()
        stop = threading.Event()

        def read_group() -> pd.DataFrame:
            # typed rows (a fraction of dicts' cost); the next page read while this one is typed
            pages = self.cr.iter_receivers(self.target.group_id, rows=True, prefetch=True)
            pages = self.fence.pages(pages) if self.fence else pages
            return receivers_frame(_until(stop, pages), settings.ext_id_attribute)

        return_freed_heap()  # what the task freed before (Airflow's parsing, a list before): the plan starts on less
        # The group is read (waiting on CleverReach) while the CRM's side is read and prepared here.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cleverreach-read") as reader:
            reading = reader.submit(read_group)
            try:
                members = self.state.members()
                changed_ids = set(changed_contacts(members).tolist())
                members = members.drop(columns=list(STALENESS_COLUMNS), errors="ignore")  # read for the line above only
                member_count, members_withdrawn = len(members), withdrawn_frame(members)
                valid, rejected = prepare_desired(members)
                del members
                record = self.state.record()
                owned = record.owned.assign(contact_person_id=shared_keys(record.owned["contact_person_id"],
                                                                          valid["contact_person_id"]))
                record = replace(record, owned=owned)  # the record's contact keys are the members' strings
                del owned
            except BaseException:
                stop.set()  # the read stops at its next page
                raise
            actual = reading.result()
        return_freed_heap()  # the members' rows and the group's pages, freed in two threads' heaps
        ownership = resolve_ownership(record.owned, actual)
        intents = resolve_intents(record.intents, actual, ownership.owned)
        ownership = absorb(ownership, intents)  # a dead run's receivers
        if intents.settled:
            self.log.warning("%s: %d ownership intents of an interrupted run: %d receivers owned now, %d dropped",
                             self.label, len(intents.settled), len(intents.owned), intents.dropped)
        takeover = take_over(valid, actual, ownership, first=record.first_sync, withdrawn=members_withdrawn)
        ownership = takeover.ownership  # the move from hyperspace's interface (sync.takeover), at the first sync
        plan = takeover.settle(diff(takeover.desired, actual, ownership.owned, record.refusals,
                                    combine(members_withdrawn, record.withdrawn)))
        self.log.info(
            "%s: %d members (%d rejected), %d receivers (%d ours, %d active); plan %s in %.1f s",
            self.label, member_count, len(rejected), len(actual), len(ownership.owned), plan.owned_count,
            plan.counts(), time.monotonic() - started,
        )
        # what a changes-only run cannot decide alone (sync.scope); kept while reconcile_hours is 0 too, as a full
        # run then is the reconciliation the first changes-only run after it is switched on relies on
        self.state.save_foreign_ext_ids(foreign_contacts(actual, ownership.owned["receiver_id"]))
        valid = valid[VALID_KEPT]  # the rest of the desired state is in the plan's frames where it is needed
        return ListRead(plan, ownership, valid, rejected, set(record.refusals["contact_person_id"].tolist()), len(actual),
                        changed_ids, intents.settled)

    def _plan_changes(self, since: datetime) -> ListRead | Fallback:
        """The plan for the contacts that changed since ``since`` alone, their receivers read by id and address;
        a :class:`~cleverreach.sync.scope.Fallback` where a subset cannot decide (``sync.scope``)."""
        settings, started = self.cr.settings, time.monotonic()
        record = self.state.record()
        if len(record.intents):
            return Fallback.INTENTS
        record_contacts = record_keys(record.owned["contact_person_id"])
        look = interest(self.state.member_marks(), since, record_contacts, record.withdrawn["contact_person_id"])
        if look.record_short:
            return Fallback.RECORD_SHORT
        if look.size > settings.changes_limit:
            return Fallback.TOO_MANY
        if isin_keys(look.members, list(self.state.foreign_ext_ids())).any():
            return Fallback.FOREIGN
        contacts = np.concatenate([look.members, look.gone]).astype(object)
        owned = record.owned[isin_keys(record_contacts, contacts)].reset_index(drop=True)
        if (owned["receiver_id"] == "").any():
            return Fallback.UNRESOLVED
        members = self.state.members_named(look.members.tolist())
        changed_ids = set(changed_contacts(members).tolist())
        members = members.drop(columns=list(STALENESS_COLUMNS), errors="ignore")
        members_withdrawn = withdrawn_frame(members)
        valid, rejected = prepare_desired(members)
        del members
        found = self.cr.get_receivers(self.target.group_id, ids=owned["receiver_id"].tolist(),
                                      emails=valid["email"].astype(object).tolist())
        actual = receivers_frame([found], settings.ext_id_attribute)
        position = first_positions(record.owned["receiver_id"], actual["receiver_id"])
        owners = np.where(position >= 0, record_contacts[np.maximum(position, 0)] if len(record_contacts) else NO_KEY,
                          NO_KEY)  # per receiver read, the contact the record owns it for
        if shared_with_others(actual, owners, contacts):
            return Fallback.SHARED
        ownership = resolve_ownership(owned, actual)
        takeover = take_over(valid, actual, ownership, first=False)
        plan = takeover.settle(diff(takeover.desired, actual, ownership.owned, record.refusals,
                                    combine(members_withdrawn, record.withdrawn)))
        if len(plan.removes) > settings.mass_removal_min:
            return Fallback.REMOVALS
        kept = record.owned["our_deactivated"].to_numpy(dtype="int64") == NOT_DEACTIVATED_BY_US
        plan = replace(plan, owned_count=int(kept.sum()))  # the guard's base: the list's whole record, not the subset
        self.log.info(
            "%s: changes only (since %s): %d of %d members read (%d rejected), %d receivers read for %d contacts; "
            "plan %s in %.1f s", self.label, since.isoformat(), len(look.members), look.member_count, len(rejected),
            len(actual), len(contacts), plan.counts(), time.monotonic() - started,
        )
        remote = self.state.remote_count()
        return ListRead(plan, ownership, valid[VALID_KEPT], rejected, set(record.refusals["contact_person_id"].tolist()),
                        len(actual) if remote is None else remote, changed_ids, [], SyncScope.CHANGES,
                        look.member_count - len(look.members))

    # ------------------------------------------------------------------ the whole run
    def run(self, *, dry_run: bool) -> dict[str, Any]:
        """Plan, store, guard and apply; a group that is confirmed gone is reported as such, the list marked."""
        try:
            self.cr.get_group(self.target.group_id)
            return self._run(dry_run=dry_run)
        except CleverReachNotFoundError:
            if self._group_gone():
                self.state.mark_list_gone(self.ledger.who(self.dag_id, self.run_id))
                raise GroupGoneError(
                    f"{self.label}: the CleverReach group no longer exists (confirmed by a second read); the list "
                    "is marked as deleted (remote_deleted_at) and its members are kept. Nothing else was changed "
                    "by this step."
                ) from None
            raise

    def _group_gone(self) -> bool:
        """Two reads of the group in a row, a pause apart, both "not found" (a 404 or ``200 []``)."""
        for attempt in range(2):
            if attempt:
                time.sleep(self.GONE_CONFIRM_PAUSE)
            try:
                self.cr.get_group(self.target.group_id)
            except CleverReachNotFoundError:
                continue
            self.log.warning("%s: a read said the group was gone, the confirming read found it", self.label)
            return False
        return True

    def _run(self, *, dry_run: bool) -> dict[str, Any]:
        settings = self.cr.settings
        ledger, target = self.ledger, self.target
        # the lease first: a plan read before another run's writes must never be applied after them
        run_pk = ledger.start_run(
            tenant_id=target.tenant_id, list_id=target.list_id, dag_id=self.dag_id, run_id=self.run_id, dry_run=dry_run,
        )
        self.run_pk = run_pk
        self.fence = fence = Fence(ledger, run_pk)
        try:
            read = self.plan()
        except BaseException as exc:
            ledger.finish_run(run_pk, RunStatus.FAILED, {}, f"{type(exc).__name__}: {exc}")
            raise
        plan, tally = read.plan, read.tally()
        flags = run_flags(
            members=len(read.valid) + len(read.rejected) + read.untouched, rejected=tally.rejected, removals=len(plan.removes),
            recent_removals=ledger.recent_removals(target.list_id),
            rejected_share=settings.alert_rejected_share, removal_factor=settings.alert_removal_factor,
            removal_minimum=settings.mass_removal_min,
        )
        if flags:
            ledger.set_alert(run_pk, "; ".join(flags))
            self.log.warning("%s: ALERT %s", self.label, "; ".join(flags))
        planned = {**plan.counts(), "rejected": tally.rejected, "unchanged": tally.unchanged}
        applier: PlanApplier | None = None  # stores its inserts' and updates' rows as they settle (RunLedger.record_plan)
        try:
            ledger.record_plan(run_pk, target.list_id, plan, read.rejected, removal_mode=settings.removal_mode,
                               writes=dry_run)
            applier = PlanApplier(self.cr, ledger, self.state, fence, log=self.log, refused_before=read.refused_before)
            try:  # a plan the guard blocks passes only by the approval bound to this run (sync.approval)
                guard_removals(
                    plan, SyncApprovalStore(ledger.engine), minimum=settings.mass_removal_min,
                    share=settings.mass_removal_share, label=self.label, tenant_id=target.tenant_id,
                    list_id=target.list_id, dag_id=self.dag_id, run_id=self.run_id,
                    actor=ledger.who(self.dag_id, self.run_id), use_for=None if dry_run else run_pk,
                    fence=lambda conn: ledger.heartbeat(conn, run_pk), log=self.log,
                )
            except MassRemovalError as exc:
                self._record_unsettled(plan, applier, dry_run)
                ledger.finish_run(run_pk, RunStatus.BLOCKED, planned, str(exc))
                raise
            if dry_run:
                missing = self._missing_attributes()
                message = "dry run: nothing written" + (f"; would create global attributes {missing}" if missing else "")
                ledger.finish_run(run_pk, RunStatus.DRY_RUN, planned, message)
                self.log.info("%s: %s; plan %s", self.label, message, planned)
                return {"tenant_id": target.tenant_id, "list_id": target.list_id, "dry_run": True,
                        "sync_run_id": run_pk, "scope": str(read.scope), "alerts": flags, **planned}

            self._ensure_attributes()
            applier.apply(plan, read.ownership, tally, read.settled_intents)
            self._record_unsettled(plan, applier, dry_run)  # none, unless a batch went unsettled
            self._plan_states(read)
            remote_count = read.receiver_count + tally.added - (tally.removed if settings.removal_mode == RemovalMode.DELETE else 0)
            self.state.set_remote_count(remote_count)
            status = RunStatus.SUCCESS if tally.failed == 0 else RunStatus.PARTIAL
            message = f"{tally.failed} items refused by CleverReach or not verified" if tally.failed else None
            ledger.finish_run(run_pk, status, tally.run_counts(), message)
        except MassRemovalError:
            raise
        except BaseException as exc:
            if applier is not None:
                try:
                    self._record_unsettled(plan, applier, dry_run)
                except Exception:  # the run's own error is the one to raise (after a lost lease the fence refuses this)
                    self.log.warning("%s: the planned writes not applied could not be stored", self.label)
            ledger.finish_run(run_pk, RunStatus.FAILED, tally.run_counts(), f"{type(exc).__name__}: {exc}")
            raise
        result = {"tenant_id": target.tenant_id, "list_id": target.list_id, "dry_run": False, "sync_run_id": run_pk,
                  "scope": str(read.scope),
                  "status": str(status), "remote_member_count": remote_count, "alerts": flags, **tally.as_dict()}
        self.log.info("%s: done %s", self.label, result)
        return result

    # ------------------------------------------------------------------ apply
    def _record_unsettled(self, plan: SyncPlan, applier: PlanApplier, dry_run: bool) -> None:
        """The planned inserts and updates an applied run has not stored with their results (all of them when the
        guard blocked it, those after the last settled batch when it failed), stored as ``planned``."""
        if not dry_run:
            self.ledger.record_unsettled_writes(self.run_pk, self.target.list_id, plan, applier.stored)

    def _missing_attributes(self) -> list[str]:
        wanted = [self.cr.settings.ext_id_attribute, *ATTRIBUTE_DESCRIPTIONS]
        existing = {str(a.get("name", "")).lower() for a in self.cr.list_global_attributes()}
        return [name for name in wanted if name not in existing]

    def _ensure_attributes(self) -> None:
        created = self.cr.ensure_global_attributes(
            {self.cr.settings.ext_id_attribute: "hyperspace CRM contact person id", **ATTRIBUTE_DESCRIPTIONS}
        )
        if created:
            self.log.info("%s: created global attributes %s", self.label, created)

    def _plan_states(self, read: ListRead) -> None:
        """Member states that follow from the plan alone (no write involved); only the ones that change."""
        plan, valid, rejected, lst = read.plan, read.valid, read.rejected, self.state

        def in_state(ids: np.ndarray, state: MemberState) -> np.ndarray:
            """Per id: the member's stored state is ``state`` already (vectorised over a million members)."""
            return isin_keys(ids, valid.loc[(valid["sync_state"] == state).to_numpy(dtype=bool), "contact_person_id"])

        unchanged = np.asarray(plan.unchanged_ids, dtype=object)
        changed = np.asarray(list(read.changed_ids), dtype=object)
        synced = unchanged[~in_state(unchanged, MemberState.SYNCED) | isin_keys(unchanged, changed)].tolist()
        waiting = plan.unconfirmed["contact_person_id"].to_numpy(dtype=object)
        unconfirmed = waiting[~in_state(waiting, MemberState.UNCONFIRMED)].tolist()
        lst.set_member_states(synced, MemberState.SYNCED)
        lst.set_member_states(unconfirmed, MemberState.UNCONFIRMED, PENDING_REASON)
        for frame, state in ((plan.unsubscribed, MemberState.UNSUBSCRIBED), (plan.bounced, MemberState.BOUNCED)):
            lst.set_member_errors([(r.contact_person_id, state, r.reason) for r in frame.itertuples()])
        lst.set_member_errors([(r.contact_person_id, r.sync_state, r.reason) for r in plan.refused.itertuples()])
        lst.set_member_errors([(r.contact_person_id, MemberState.REJECTED, r.reason) for r in rejected.itertuples()
                               if r.sync_state != MemberState.REJECTED or r.sync_error != r.reason])
