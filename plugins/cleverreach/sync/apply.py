"""Applying a stored plan to CleverReach: each write checked, each effect recorded.

* Inserts (never upserts) create new receivers with ``activated`` explicit, per the list's opt-in
  policy. An insert CleverReach refuses is read back by e-mail: if the address is in the group now
  (created meanwhile), the member stays ``pending`` and the next run matches it; otherwise the member is
  ``rejected`` with CleverReach's reason and the refusal is remembered with the payload's hash.
* Updates go through upsert with attributes only. A refused update leaves the member ``pending`` (its
  receiver is still mailed) and is remembered too, so an unchanged list is never sent it again.
* Removals are verified by reading the receivers back: deleted ids that are gone are removed, ids still
  there failed (never judged from an error's wording); a deactivation took effect when the receiver
  reads back deactivated, and its stamp is recorded as the sync's own. A reactivation of a receiver the
  sync deactivated is read back the same way.
* Every created, adopted, deactivated or removed receiver updates the ownership record, every
  ``SETTLE_BATCHES`` write batches (in one transaction), so a crash loses nothing: the receivers a batch creates
  or adopts are recorded as intents before it is sent (``sync.intents``), and the next run owns what the
  intents name. The run's intents go in one statement once every batch's ownership is saved. The next batch is
  sent while the last ones are settled. Settled inserts and updates get their ``sync_change`` rows then, with
  their results (the run stored its plan without them: ``RunLedger.record_plan``).
* Every write is fenced (``sync.fence``): before each batch and each single-receiver call the lease is
  checked, so an attempt whose lease was taken over stops before it writes anything more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cleverreach.enums import ChangeAction, ChangeResult, MemberState, OptInPolicy, RemovalMode
from cleverreach.exceptions import (
    CleverReachForbiddenError,
    CleverReachNotFoundError,
    CleverReachResponseError,
    CleverReachValidationError,
    LeaseLostError,
)
from cleverreach.hooks.cleverreach import CleverReachHook, ItemResult
from cleverreach.sync.changes import write_rows
from cleverreach.sync.diff import PENDING_REASON
from cleverreach.sync.fence import Fence
from cleverreach.sync.intents import intent_rows
from cleverreach.sync.keys import email_key, key_column
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, OWNED_COLUMNS, Ownership, OwnershipOrigin
from cleverreach.sync.plan import SyncPlan
from cleverreach.sync.settler import Settler, side_by_side
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.list_state import ListState

# Errors of a single receiver's call: that item failed, the run goes on (anything else stops the run).
ITEM_ERRORS = (CleverReachNotFoundError, CleverReachValidationError, CleverReachForbiddenError, CleverReachResponseError)


@dataclass
class Tally:
    """What a run did, for the return value, the log and ``sync_run``."""

    added: int = 0
    updated: int = 0
    reactivated: int = 0
    removed: int = 0
    rejected: int = 0
    unchanged: int = 0
    unconfirmed: int = 0
    failed: int = 0
    unsubscribed: int = 0
    bounced: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def run_counts(self) -> dict[str, int]:
        """The counters of ``sync_run`` (a reactivation counts as an update)."""
        return {"added": self.added, "updated": self.updated + self.reactivated, "removed": self.removed,
                "rejected": self.rejected, "unchanged": self.unchanged}


def _owned_rows(frame: pd.DataFrame, origin: str, receiver_ids: Sequence[str | None] | None = None) -> pd.DataFrame:
    """New ownership rows for receivers the sync just created or adopted."""
    return pd.DataFrame({
        "email_key": frame["email_key"].to_numpy(),
        "receiver_id": list(receiver_ids) if receiver_ids is not None else frame["receiver_id"].to_numpy(),
        "contact_person_id": key_column(frame["contact_person_id"]).to_numpy(dtype=object),
        "origin": origin,
        "our_deactivated": NOT_DEACTIVATED_BY_US,
    }, columns=OWNED_COLUMNS)


class PlanApplier:
    """Writes one list's plan through the hook; every outcome goes to the run's ledger (results) and the
    list's state (ownership, intents, refusals, member states)."""

    #: write batches settled together (ownership, results: one transaction per kind): a
    #: thousand receivers per batch is CleverReach's limit, not a good size for the database's statements
    SETTLE_BATCHES = 10
    #: succeeded members whose states are written together beside the sends (``_mark_window``)
    MARK_ROWS = 100_000

    def __init__(self, cleverreach: CleverReachHook, ledger: RunLedger, state: ListState, fence: Fence, *,
                 log: logging.Logger, refused_before: set[str]) -> None:
        """``fence``: the run's, on the lease ``ledger`` holds (its ``run_pk`` is the run the results go to)."""
        self.cr = cleverreach
        self.ledger = ledger
        self.state = state
        self.fence = fence
        self.run_pk = fence.run_pk
        self.group_id = state.target.group_id
        self.label = state.target.label
        self.log = log
        self.refused_before = refused_before
        # member states of succeeded writes, by (state, reason): written by the marker (``apply``)
        self.succeeded: dict[tuple[str, str | None], list[str]] = {}
        self.marker = Settler(background=False)
        self.no_longer_refused: list[str] = []
        # per write action, how many of the plan's rows (in its order) have their sync_change row stored
        self.stored: dict[ChangeAction, int] = {}

    def apply(self, plan: SyncPlan, ownership: Ownership, tally: Tally, settled_intents: Sequence[str] = ()) -> None:
        """Write the plan; ``settled_intents`` (address keys of earlier runs' intents, resolved into
        ``ownership`` by the plan) are deleted once the resolved record is saved.

        The members of succeeded writes get their state window by window in a worker of their own where the
        databases take two writers (``sync.settler``: the CRM's member table is written while the sends go on),
        else at the end in one pass over the list (SQLite: per batch, a thousand members in e-mail order are a
        thousand scattered rows of the member table, and one writer at a time). Either way also when a write fails
        midway. A crash before a member's state is written leaves it ``pending``; the next run finds its receiver
        owned and unchanged, and marks it (``ListSync._plan_states``)."""
        with Settler(background=side_by_side(self.state.engine, self.state.state)) as self.marker:
            try:
                self._apply(plan, ownership, tally, settled_intents)
            except BaseException:
                try:
                    self.marker.drain()
                    self.write_member_states()
                except Exception:  # the write's own error is the one to raise; these states follow on the next run
                    self.log.warning("%s: the member states of the writes done could not be recorded", self.label)
                raise
            self.marker.drain()
            self.write_member_states()

    def write_member_states(self) -> None:
        """The states of the members whose writes succeeded so far, and their refusals forgotten."""
        succeeded, self.succeeded = self.succeeded, {}
        self._set_states(succeeded)
        no_longer_refused, self.no_longer_refused = self.no_longer_refused, []
        self.state.forget_refusals(no_longer_refused)

    def _mark_window(self) -> None:
        """The states of the settled windows' members, handed to the marker when it writes beside the sends, once
        there are ``MARK_ROWS`` of them: a window's ten thousand in e-mail order are scattered over the member
        table, and a hundred thousand in key order share its pages (a million states: 25 s so, 36 s window by window)."""
        if not self.marker.background or sum(map(len, self.succeeded.values())) < self.MARK_ROWS:
            return
        succeeded, self.succeeded = self.succeeded, {}
        self.marker.submit(lambda: self._set_states(succeeded))

    def _set_states(self, succeeded: dict[tuple[str, str | None], list[str]]) -> None:
        for (state, reason), cids in succeeded.items():
            self.state.set_member_states(cids, state, reason)

    def _apply(self, plan: SyncPlan, ownership: Ownership, tally: Tally, settled_intents: Sequence[str]) -> None:
        if ownership.changed:  # receiver ids filled in, released and vanished receivers forgotten
            self.state.save_owned(ownership.save, ownership.drop)
        self.state.forget_intents(settled_intents)
        owned = ownership.owned.set_index("receiver_id", drop=False)
        if not plan.owner_changes.empty:
            self.state.save_owned(plan.owner_changes)
        if not plan.adoptions.empty:
            self.state.save_owned(_owned_rows(plan.adoptions, OwnershipOrigin.ADOPTED), new=True)
        self._inserts(plan, tally)
        self._updates(plan, tally)
        self._reactivations(plan, owned, tally)
        if not plan.removes.empty:
            self._removals(plan, owned, tally)

    # ------------------------------------------------------------------ inserts
    def _inserts(self, plan: SyncPlan, tally: Tally) -> None:
        if plan.adds.empty:
            return
        double = self.cr.settings.opt_in_for(self.group_id) == OptInPolicy.DOUBLE
        activated = 0 if double else int(time.time())
        state = MemberState.UNCONFIRMED if double else MemberState.SYNCED
        payloads = plan.add_payloads(self.cr.settings.ext_id_attribute, activated)
        refused: list[tuple[Any, str]] = []

        def settle(rows: pd.DataFrame, items: list[ItemResult], own: Callable[[pd.DataFrame], None]) -> None:
            ok = np.fromiter((item.ok for item in items), dtype=bool, count=len(items))
            done = rows[ok]
            own(_owned_rows(done, OwnershipOrigin.CREATED, [i.receiver_id or "" for i in items if i.ok]))
            # a refused insert stays planned until it is read back (_settle_refused_inserts)
            self._store_changes(ChangeAction.ADD, rows, np.where(ok, str(ChangeResult.OK), str(ChangeResult.PLANNED)))
            self._succeeded(ChangeAction.ADD, done, state, PENDING_REASON if double else None, recorded=True)
            if not ok.all():  # only the refused rows become tuples
                errors = [item.error or "refused" for item in items if not item.ok]
                refused.extend(zip(rows[~ok].itertuples(), errors))
            tally.added += len(done)

        self._in_batches(self.cr.insert_receivers(self.group_id, payloads), plan.adds, "insert", settle,
                         intents=OwnershipOrigin.CREATED)
        if refused:
            self._settle_refused_inserts(refused, tally)

    def _settle_refused_inserts(self, refused: list[tuple[Any, str]], tally: Tally) -> None:
        """Read the refused addresses back: in the group now means "created meanwhile", else a refusal."""
        present = {email_key(r.get("email", "")) for r in self.cr.get_receivers(self.group_id, emails=[row.email for row, _ in refused])}
        failures, states, remember = [], [], []
        for row, error in refused:
            if row.email_key in present:
                reason = f"CleverReach refused the insert ({error}); the address is in the group now, matched on the next sync"
                states.append((row.contact_person_id, MemberState.PENDING, reason))
            else:
                reason = f"refused by CleverReach: {error}"
                states.append((row.contact_person_id, MemberState.REJECTED, reason))
                remember.append((row.contact_person_id, ChangeAction.ADD, row.payload_hash, reason))
                tally.rejected += 1
            failures.append((row.email, reason))
        self.ledger.record_results(self.run_pk, ChangeAction.ADD, [], failures)
        self.state.set_member_errors(states)
        self.state.remember_refusals(remember)
        tally.failed += len(failures)

    # ------------------------------------------------------------------ updates
    def _updates(self, plan: SyncPlan, tally: Tally) -> None:
        if plan.updates.empty:
            return
        payloads = plan.update_payloads(self.cr.settings.ext_id_attribute)

        def settle(rows: pd.DataFrame, items: list[ItemResult], own: Callable[[pd.DataFrame], None]) -> None:
            ok = pd.Series([item.ok for item in items], index=rows.index)
            done = rows[ok]
            ok_items = [item for item in items if item.ok]
            created = np.array([item.status.lower() == "insert success" for item in ok_items], dtype=bool)
            if created.any():  # the receiver vanished after the read and the upsert created it again
                self.log.warning("%s: %d updates created their receiver anew", self.label, int(created.sum()))
            record = done["adopt"].to_numpy(dtype=bool) | created
            ids = [item.receiver_id or rid for item, rid, keep in zip(ok_items, done["receiver_id"], record) if keep]
            own(_owned_rows(done[record], OwnershipOrigin.ADOPTED, ids))
            failed = rows[~ok]
            errors = [item.error or "refused" for item in items if not item.ok]
            reasons = [f"CleverReach refused the update: {error}" for error in errors]
            row_errors = np.full(len(rows), None, dtype=object)
            row_errors[~ok.to_numpy()] = [reason[:1000] for reason in reasons]
            self._store_changes(ChangeAction.UPDATE, rows, np.where(ok, str(ChangeResult.OK), str(ChangeResult.FAILED)),
                                row_errors.tolist())
            pending = done["pending"].to_numpy(dtype=bool)
            self._succeeded(ChangeAction.UPDATE, done[~pending], MemberState.SYNCED, None, email_column="email_old",
                            recorded=True)
            self._succeeded(ChangeAction.UPDATE, done[pending], MemberState.UNCONFIRMED, PENDING_REASON,
                            email_column="email_old", recorded=True)
            self.state.set_member_errors([(c, MemberState.PENDING, r) for c, r in zip(failed["contact_person_id"], reasons)])
            self.state.remember_refusals([(c, ChangeAction.UPDATE, h, r) for c, h, r in
                                          zip(failed["contact_person_id"], failed["payload_hash"], reasons)])
            tally.updated += len(done)
            tally.failed += len(failed)

        self._in_batches(self.cr.upsert_receivers(self.group_id, payloads), plan.updates, "update", settle,
                         intents=OwnershipOrigin.ADOPTED)  # an adoption, or a receiver the upsert creates anew

    # ------------------------------------------------------------------ reactivations
    def _reactivations(self, plan: SyncPlan, owned: pd.DataFrame, tally: Tally) -> None:
        if plan.reactivations.empty:
            return
        errors = self._each(self.cr.activate_receiver, plan.reactivations["receiver_id"].tolist())
        back = self._read_back(plan.reactivations["receiver_id"].tolist())
        active = {rid for rid, r in back.items() if int(r.get("activated") or 0) > 0
                  and not int(r.get("deactivated") or 0) and not int(r.get("bounced") or 0)}
        rows = plan.reactivations
        done = rows[rows["receiver_id"].isin(active)]
        still = rows[~rows["receiver_id"].isin(active)]
        if not done.empty:
            released = owned.loc[owned.index.intersection(done["receiver_id"])].copy()
            released["our_deactivated"] = NOT_DEACTIVATED_BY_US
            self.state.save_owned(released)
        self._succeeded(ChangeAction.REACTIVATE, done, MemberState.SYNCED, None)
        reasons = [f"reactivation did not take effect ({errors.get(rid) or 'read back still deactivated'})"
                   for rid in still["receiver_id"]]
        self.ledger.record_results(self.run_pk, ChangeAction.REACTIVATE, [], list(zip(still["email"], reasons)))
        self.state.set_member_errors([(c, MemberState.PENDING, r) for c, r in zip(still["contact_person_id"], reasons)])
        tally.reactivated += len(done)
        tally.failed += len(still)

    # ------------------------------------------------------------------ removals
    def _removals(self, plan: SyncPlan, owned: pd.DataFrame, tally: Tally) -> None:
        """Removals in the list's removal mode; a withdrawn contact's receivers are deleted in any mode, and
        the receivers of a person who unsubscribed (``sync.takeover``) deactivated in any mode."""
        modes = np.where(plan.erasing.to_numpy(dtype=bool), str(RemovalMode.DELETE),
                         np.where(plan.deactivating.to_numpy(dtype=bool), str(RemovalMode.DEACTIVATE),
                                  str(self.cr.settings.removal_mode)))
        for mode in (RemovalMode.DELETE, RemovalMode.DEACTIVATE):
            if (modes == mode).any():
                self._remove(plan.removes[modes == mode], mode, owned, tally)

    def _remove(self, removes: pd.DataFrame, mode: str, owned: pd.DataFrame, tally: Tally) -> None:
        ids = removes["receiver_id"].astype(str).tolist()
        email_of = dict(zip(ids, removes["email"]))
        key_of = dict(zip(ids, removes["email_key"]))
        if mode == RemovalMode.DELETE:
            action = ChangeAction.REMOVE
            errors: dict[str, str] = {}
            for batch in self.fence.batches(self.cr.delete_receivers(self.group_id, ids)):
                errors.update({item.key: item.error or "refused" for item in batch.items if not item.ok})
            back = self._read_back(ids)
            ok = [rid for rid in ids if rid not in back]
            failed = [(rid, errors.get(rid) or "still in the group after the delete") for rid in ids if rid in back]
            self.state.forget_owned([key_of[rid] for rid in ok])
        else:
            action = ChangeAction.DEACTIVATE
            errors = self._each(self.cr.deactivate_receiver, ids)
            back = self._read_back(ids)
            stamps = {rid: int(back[rid].get("deactivated") or 0) for rid in ids if rid in back}
            ok = [rid for rid in ids if stamps.get(rid, 1) > 0]  # gone from the group counts as removed
            failed = [(rid, errors.get(rid) or "read back not deactivated") for rid in ids if stamps.get(rid, 1) == 0]
            mine = owned.loc[owned.index.intersection([rid for rid in ok if rid in stamps])].copy()
            mine["our_deactivated"] = mine["receiver_id"].map(stamps).astype("int64")
            self.state.save_owned(mine)
            self.state.forget_owned([key_of[rid] for rid in ok if rid not in stamps])
        self.ledger.record_results(self.run_pk, action, [email_of[rid] for rid in ok],
                                  [(email_of[rid], f"refused by CleverReach: {error}") for rid, error in failed])
        tally.removed += len(ok)
        tally.failed += len(failed)
        self.log.info("%s: %s %d receivers, %d verified, %d failed", self.label, action, len(ids), len(ok), len(failed))

    # ------------------------------------------------------------------ helpers
    def _in_batches(self, batches: Any, rows: pd.DataFrame, what: str,
                    settle: Callable[[pd.DataFrame, list[ItemResult], Callable[[pd.DataFrame], None]], None], *,
                    intents: OwnershipOrigin) -> None:
        """Walk the hook's batches (their size may shrink after a 413) and settle them against their rows,
        ``SETTLE_BATCHES`` at a time.

        Before a batch is sent: the fence; and, when its rows are not covered yet, the intents (of origin
        ``intents``) of the rows the next ``SETTLE_BATCHES`` batches can hold, committed together (the intents'
        transaction beats the lease). The next batch is sent while the last ones are settled (``Fence.ahead``), and
        where the databases take two writers the windows are settled in a worker thread while the sends go on
        (``sync.settler``).
        ``settle`` saves the batches' ownership through the ``own`` it is given, first (before its results). The
        intents stay until every batch is settled, then go in one statement: never gone without the ownership they
        stand for (one statement per window of ten thousand keys cost more than the window's ownership). Batches
        sent before a failure are settled before it is raised (after a lost lease only the windows already handed
        to the settler: their ownership is true whoever saves it, and their results are refused by the fence); the
        intents of a failed run stay, and its next run resolves them (those already owned cost nothing)."""
        window = self.SETTLE_BATCHES
        intended = 0  # rows [0, intended) have their intents recorded

        def intend(sent: int) -> None:
            nonlocal intended
            size = self.cr.batch_size
            if sent >= len(rows) or sent + size <= intended or intended >= len(rows):
                self.fence.check()  # nothing left to send, or its intents are recorded: the plain check
                return
            upcoming = rows.iloc[sent : sent + size * window]
            self.state.record_intents(intent_rows(upcoming, intents), run_pk=self.run_pk, fence=self.ledger.heartbeat)
            intended = sent + len(upcoming)

        offset = 0
        sent_chunks: list[pd.DataFrame] = []
        sent_items: list[list[ItemResult]] = []
        indexes: list[int] = []
        total = 0

        def settle_sent(settler: Settler) -> None:
            if not sent_chunks:
                return
            chunk = sent_chunks[0] if len(sent_chunks) == 1 else pd.concat(sent_chunks)
            items = [item for batch_items in sent_items for item in batch_items]
            first, last, of = indexes[0], indexes[-1], total
            sent_chunks.clear(), sent_items.clear(), indexes.clear()

            def work() -> None:
                settle(chunk, items, lambda owned_rows: self.state.save_owned(owned_rows, new=True))
                refused = sum(not item.ok for item in items)
                self.log.info("%s: %s batches %d-%d of %d: %d ok, %d refused", self.label, what, first, last, of,
                              len(items) - refused, refused)
                self._mark_window()

            settler.submit(work)

        with Settler(background=side_by_side(self.state.engine, self.state.state)) as settler:
            try:
                for batch in self.fence.ahead(batches, intend, lambda batch: len(batch.items)):
                    sent_chunks.append(rows.iloc[offset : offset + len(batch.items)])
                    sent_items.append(batch.items)
                    indexes.append(batch.index)
                    total = batch.total
                    offset += len(batch.items)
                    if len(sent_chunks) >= window:
                        settle_sent(settler)
            except LeaseLostError:
                raise  # the windows under way finish (the settler's exit waits); the intents stand for the rest
            except BaseException:
                try:
                    settle_sent(settler)
                    settler.drain()
                except Exception:  # the first error is the one to raise; the intents stand for these batches
                    self.log.warning("%s: the %s batches sent before the failure could not be settled", self.label, what)
                raise
            settle_sent(settler)
            settler.drain()
        self.state.forget_run_intents(self.run_pk)  # every batch's ownership is saved

    def _store_changes(self, action: ChangeAction, rows: pd.DataFrame, results: np.ndarray,
                       errors: Sequence[str | None] | None = None) -> None:
        """The settled batches' ``sync_change`` rows with their results (the run stored its plan without them:
        ``RunLedger.record_plan``); they follow the rows stored before them in the plan's order."""
        self.ledger.record_changes(self.run_pk, write_rows(self.run_pk, self.state.list_id, action, rows,
                                                           results.tolist(), errors))
        self.stored[action] = self.stored.get(action, 0) + len(rows)

    def _succeeded(self, action: ChangeAction, rows: pd.DataFrame, state: MemberState, reason: str | None,
                   email_column: str = "email", *, recorded: bool = False) -> None:
        """The members of succeeded writes: their states (by the marker) and, unless ``recorded`` with their
        rows (``_store_changes``), their results."""
        if rows.empty:
            return
        cids = key_column(rows["contact_person_id"]).tolist()
        if not recorded:
            self.ledger.record_results(self.run_pk, action, rows[email_column].tolist(), [])
        self.succeeded.setdefault((str(state), reason), []).extend(cids)
        if self.refused_before:
            self.no_longer_refused.extend(c for c in cids if c in self.refused_before)

    def _each(self, call: Callable[[str, str], None], receiver_ids: list[str]) -> dict[str, str]:
        """One call per receiver, each behind the fence; an item's own error is kept for its result, the run goes on."""
        errors: dict[str, str] = {}
        for receiver_id in receiver_ids:
            self.fence.check()  # each call is a write: none after the lease is lost
            try:
                call(self.group_id, receiver_id)
            except ITEM_ERRORS as exc:
                errors[receiver_id] = str(exc)[:300]
        return errors

    def _read_back(self, receiver_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The receivers as the group holds them now, by id (one read per run and kind of write)."""
        return {str(r.get("id")): r for r in self.cr.get_receivers(self.group_id, ids=receiver_ids)}
