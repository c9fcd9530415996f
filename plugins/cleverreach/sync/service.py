"""Run one list's sync: read both sides, plan, store the plan, guard, apply in batches, record results.

The diff is state-based, so a crash anywhere (between batches included) is repaired by the next run:
it recomputes the plan from what CleverReach and the CRM hold by then.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cleverreach.sync.flags import run_flags
from cleverreach.exceptions import CleverReachNotFoundError, GroupGoneError, MassRemovalError
from cleverreach.hooks.cleverreach import BatchResult, CleverReachHook
from cleverreach.sync.actual import receivers_frame
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import diff
from cleverreach.sync.fields import ATTRIBUTE_DESCRIPTIONS
from cleverreach.sync.plan import SyncPlan, check_mass_removal
from cleverreach.sync.store import SyncStore

log = logging.getLogger(__name__)


@dataclass
class Tally:
    """What a run did, for the return value, the log and ``sync_run``."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    rejected: int = 0
    unchanged: int = 0
    failed: int = 0
    unsubscribed: int = 0
    bounced: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "extra"}


class ListSync:
    """One list of one tenant. Build it per list; call :meth:`run`."""

    def __init__(
        self,
        cleverreach: CleverReachHook,
        store: SyncStore,
        *,
        tenant_id: str,
        list_row: dict[str, Any],
        dag_id: str,
        run_id: str,
        logger: logging.Logger | None = None,
    ) -> None:
        self.cr = cleverreach
        self.store = store
        self.tenant_id = tenant_id
        self.list_id = int(list_row["id"])
        self.group_id = str(list_row["external_id"])
        self.label = f"tenant {tenant_id} list {self.list_id} ({list_row.get('name')}, group {self.group_id})"
        self.dag_id, self.run_id = dag_id, run_id
        self.log = logger or log

    # ------------------------------------------------------------------ read and plan
    def plan(self) -> tuple[SyncPlan, pd.DataFrame, pd.DataFrame, int]:
        """(plan, valid members, rejected members, receivers read) from the current state of both sides."""
        settings = self.cr.settings
        started = time.monotonic()
        members = self.store.members(self.tenant_id, self.list_id)
        valid, rejected = prepare_desired(members)
        actual = receivers_frame(self.cr.iter_receivers(self.group_id), settings.ext_id_attribute)
        plan = diff(valid, actual)
        self.log.info(
            "%s: %d members (%d rejected), %d receivers (%d ours); plan %s in %.1f s",
            self.label, len(members), len(rejected), len(actual), plan.owned_count, plan.counts(), time.monotonic() - started,
        )
        return plan, valid, rejected, len(actual)

    # ------------------------------------------------------------------ the whole run
    def run(self, *, dry_run: bool, allow_mass_removal: bool) -> dict[str, Any]:
        """Plan, store, guard and apply; a group that vanished is reported as such, the list marked."""
        try:
            return self._run(dry_run=dry_run, allow_mass_removal=allow_mass_removal)
        except CleverReachNotFoundError:
            if not self._group_exists():
                self.store.mark_list_gone(self.list_id, actor=f"airflow:{self.dag_id}")
                raise GroupGoneError(
                    f"{self.label}: the CleverReach group no longer exists; the list is marked as deleted "
                    "(remote_deleted_at) and its members are kept. Nothing else was changed by this step."
                ) from None
            raise

    def _group_exists(self) -> bool:
        try:
            self.cr.get_group(self.group_id)
        except CleverReachNotFoundError:
            return False
        return True

    def _run(self, *, dry_run: bool, allow_mass_removal: bool) -> dict[str, Any]:
        settings = self.cr.settings
        plan, valid, rejected, receiver_count = self.plan()
        run_pk = self.store.start_run(
            tenant_id=self.tenant_id, list_id=self.list_id, dag_id=self.dag_id, run_id=self.run_id, dry_run=dry_run
        )
        tally = Tally(
            rejected=len(rejected), unchanged=len(plan.unchanged_ids) + len(plan.unsubscribed) + len(plan.bounced),
            unsubscribed=len(plan.unsubscribed), bounced=len(plan.bounced),
        )
        flags = run_flags(
            members=len(valid) + len(rejected), rejected=len(rejected), removals=len(plan.removes),
            recent_removals=self.store.recent_removals(self.list_id),
            rejected_share=settings.alert_rejected_share, removal_factor=settings.alert_removal_factor,
            removal_minimum=settings.mass_removal_min,
        )
        if flags:
            self.store.set_alert(run_pk, "; ".join(flags))
            self.log.warning("%s: ALERT %s", self.label, "; ".join(flags))
        try:
            self.store.record_plan(run_pk, self.list_id, plan, rejected, removal_mode=settings.removal_mode)
            try:
                check_mass_removal(
                    plan, minimum=settings.mass_removal_min, share=settings.mass_removal_share,
                    allow=allow_mass_removal, list_label=self.label,
                )
            except MassRemovalError as exc:
                self.store.finish_run(run_pk, "blocked", {**plan.counts(), "rejected": len(rejected)}, str(exc))
                raise
            if dry_run:
                missing = self._missing_attributes()
                message = "dry run: nothing written" + (f"; would create global attributes {missing}" if missing else "")
                counts = {**plan.counts(), "rejected": len(rejected), "unchanged": tally.unchanged}
                self.store.finish_run(run_pk, "dry_run", counts, message)
                self.log.info("%s: %s; plan %s", self.label, message, counts)
                return {"tenant_id": self.tenant_id, "list_id": self.list_id, "dry_run": True, "sync_run_id": run_pk,
                        "alerts": flags, **counts}

            self._apply(run_pk, plan, valid, rejected, tally)
            remote_count = receiver_count + tally.added - (tally.removed if settings.removal_mode == "delete" else 0)
            self.store.set_remote_count(self.list_id, remote_count)
            status = "success" if tally.failed == 0 else "partial"
            message = f"{tally.failed} items refused by CleverReach" if tally.failed else None
            self.store.finish_run(run_pk, status, tally.as_dict(), message)
        except MassRemovalError:
            raise
        except BaseException as exc:
            self.store.finish_run(run_pk, "failed", tally.as_dict(), f"{type(exc).__name__}: {exc}")
            raise
        result = {"tenant_id": self.tenant_id, "list_id": self.list_id, "dry_run": False, "sync_run_id": run_pk,
                  "status": status, "remote_member_count": remote_count, "alerts": flags, **tally.as_dict()}
        self.log.info("%s: done %s", self.label, result)
        return result

    # ------------------------------------------------------------------ apply
    def _missing_attributes(self) -> list[str]:
        wanted = [self.cr.settings.ext_id_attribute, *ATTRIBUTE_DESCRIPTIONS]
        existing = {str(a.get("name", "")).lower() for a in self.cr.list_global_attributes()}
        return [name for name in wanted if name not in existing]

    def _apply(self, run_pk: int, plan: SyncPlan, valid: pd.DataFrame, rejected: pd.DataFrame, tally: Tally) -> None:
        settings = self.cr.settings
        created = self.cr.ensure_global_attributes(
            {settings.ext_id_attribute: "hyperspace CRM contact person id", **ATTRIBUTE_DESCRIPTIONS}
        )
        if created:
            self.log.info("%s: created global attributes %s", self.label, created)

        # Upserts: adds first, then updates; both are "insert or update by e-mail".
        payloads = plan.add_payloads(settings.ext_id_attribute) + plan.update_payloads(settings.ext_id_attribute)
        actions = ["add"] * len(plan.adds) + ["update"] * len(plan.updates)
        contact_ids = plan.adds["contact_person_id"].tolist() + plan.updates["contact_person_id"].tolist()
        offset = 0
        for batch in self.cr.upsert_receivers(self.group_id, payloads):
            size = len(batch.items)
            self._record_upsert_batch(run_pk, batch, actions[offset : offset + size], contact_ids[offset : offset + size], tally)
            offset += size

        # Removals: only receivers we own, never inactive ones (see diff).
        if not plan.removes.empty:
            self._remove(run_pk, plan, tally)

        # Member states that follow from the plan alone (no API call involved).
        states = valid.set_index("contact_person_id")["sync_state"]
        unchanged = [cid for cid in plan.unchanged_ids.tolist() if states.get(cid) != "synced"]
        self.store.set_member_states(self.list_id, unchanged, "synced")
        for frame, state in ((plan.unsubscribed, "unsubscribed"), (plan.bounced, "bounced")):
            rows = [(r.contact_person_id, state, r.reason) for r in frame.itertuples()]
            self.store.set_member_errors(self.list_id, rows)
        self.store.set_member_errors(
            self.list_id, [(r.contact_person_id, "rejected", r.reason) for r in rejected.itertuples()
                           if r.sync_state != "rejected" or r.sync_error != r.reason]
        )

    def _record_upsert_batch(self, run_pk: int, batch: BatchResult, actions: list[str], cids: list[int], tally: Tally) -> None:
        ok: dict[str, list[str]] = {"add": [], "update": []}
        failed: dict[str, list[tuple[str, str]]] = {"add": [], "update": []}
        synced: list[int] = []
        refused: list[tuple[int, str, str]] = []
        for item, action, cid in zip(batch.items, actions, cids):
            if item.ok:
                ok[action].append(item.key)
                synced.append(cid)
            else:
                reason = f"refused by CleverReach: {item.error}"
                failed[action].append((item.key, reason))
                refused.append((cid, "rejected", reason))
        for action in ("add", "update"):
            if ok[action] or failed[action]:
                self.store.record_results(run_pk, action, ok[action], failed[action])
        self.store.set_member_states(self.list_id, synced, "synced")
        self.store.set_member_errors(self.list_id, refused)
        tally.added += len(ok["add"])
        tally.updated += len(ok["update"])
        tally.failed += len(refused)
        tally.rejected += len(refused)
        self.log.info(
            "%s: upsert batch %d of %d: %d ok, %d refused", self.label, batch.index, batch.total, len(synced), len(refused)
        )

    def _remove(self, run_pk: int, plan: SyncPlan, tally: Tally) -> None:
        mode = self.cr.settings.removal_mode
        emails = plan.remove_keys()
        ids = plan.removes["receiver_id"].astype(str).tolist()
        email_of = dict(zip(ids, emails))  # the bulk delete answers per receiver id
        if mode == "delete":
            batches = self.cr.delete_receivers(self.group_id, ids)
            action = "remove"
        else:
            now = int(time.time())
            batches = self.cr.upsert_receivers(self.group_id, [{"email": e, "deactivated": now} for e in emails])
            action = "deactivate"
        for batch in batches:
            ok = [email_of.get(i.key, i.key) for i in batch.items if i.ok or _already_gone(i.error)]
            failed = [(email_of.get(i.key, i.key), f"refused by CleverReach: {i.error}")
                      for i in batch.items if not (i.ok or _already_gone(i.error))]
            self.store.record_results(run_pk, action, ok, failed)
            tally.removed += len(ok)
            tally.failed += len(failed)
            self.log.info("%s: %s batch %d of %d: %d ok, %d failed", self.label, action, batch.index, batch.total, len(ok), len(failed))


def _already_gone(error: str | None) -> bool:
    """A receiver that is no longer in the group is what a removal wants."""
    return bool(error) and "not found" in str(error).lower()

