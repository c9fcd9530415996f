"""The run ledger: a list's lease (its ``running`` ``sync_run`` row), the run's heartbeat and fence, its stored
plan and per-item results, its alert, and its finish. A run's start and finish are audited in the transaction
that writes them (``cleverreach.audit``). An erasure takes and releases list leases through the same ledger
(``cleverreach.erasure.leases``); what a sync keeps per list is ``sync.list_state``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from itertools import chain
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Text
from sqlalchemy.exc import IntegrityError

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import as_utc, utcnow
from cleverreach.crm.bulk import bulk_insert
from cleverreach.crm.in_list import execute_in
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction, ChangeAction
from cleverreach.exceptions import LeaseLostError, SyncInProgressError
from cleverreach.sync.changes import CHANGE_COLUMNS, change_rows, unsettled_write_rows
from cleverreach.sync.frames import chunks
from cleverreach.sync.plan import SyncPlan
from cleverreach.sync.scope import PastRun


class RunLedger(SqlStore):
    """The ``sync_run`` rows of one task attempt (a sync's, or an erasure's leases) and what they record."""

    def __init__(self, engine: Engine, lease_timeout: timedelta = timedelta(minutes=10), *, holder: str | None = None,
                 attempt: int | None = None, actor: Actor | None = None) -> None:
        """``holder`` names the task that syncs (DAG, run, task, map index) and ``attempt`` its try number; a
        lease whose holder shows no life for ``lease_timeout`` may be taken over by anyone. ``actor`` is who the
        audit names; without one, the run itself (``run:<dag_id>/<run_id>``)."""
        super().__init__(engine)
        self.lease_timeout = lease_timeout
        self.holder = holder
        self.attempt = attempt
        self.actor = actor

    def who(self, dag_id: str | None, run_id: str | None) -> Actor:
        """The audit's actor: the one given, else the run."""
        return self.actor or Actor.of(None, dag_id, run_id)

    # ------------------------------------------------------------------ the run and its lease
    def start_run(self, *, tenant_id: str, list_id: str, dag_id: str, run_id: str, dry_run: bool) -> int:
        """
        Open a ``sync_run`` as the list's lease: at most one ``running`` row per list (unique index).

        A running row is taken over (marked ``abandoned``) by a newer attempt of the task that holds it
        (its retry: at once, within the retry delay), or by anyone once its holder has shown no life
        (heartbeat) for the lease timeout; otherwise another sync is under way and this one refuses to
        start. The attempt it was taken from is fenced: its next batch or its finish raises
        :class:`LeaseLostError`.
        """
        now = utcnow()
        list_id = as_key(list_id)
        holder = self.holder or f"{dag_id}/{run_id}"
        taken_over: list[int] = []
        try:
            with self.state.begin() as conn:
                for row in conn.execute(self.q("sync_select_running"), {"list_id": list_id}).mappings().all():
                    if not (self._newer_attempt_of(row, holder) or self._stale(row, now)):
                        raise SyncInProgressError(
                            f"list {list_id} is being synced by sync_run {row['id']} ({row['dag_id']} {row['run_id']}, "
                            f"attempt {row['attempt']}, since {row['started_at']}); try again when it has finished"
                        )
                    conn.execute(
                        self.q("sync_abandon_run"),
                        {"id": row["id"], "now": now, "message": f"abandoned: taken over by {holder} attempt {self.attempt}"},
                    )
                    taken_over.append(int(row["id"]))
                run_pk = int(
                    conn.execute(
                        self.q("sync_insert_run"),
                        {"tenant_id": tenant_id, "list_id": list_id, "dag_id": dag_id, "run_id": run_id, "now": now,
                         "dry_run": dry_run, "lease_holder": holder, "attempt": self.attempt},
                    ).scalar_one()
                )
                AuditStore(self.engine).record(conn, AuditEvent(
                    AuditAction.SYNC_STARTED, tenant_id, self.who(dag_id, run_id), list_id,
                    {"sync_run_id": run_pk, "dry_run": bool(dry_run), "taken_over": taken_over}))
                return run_pk
        except IntegrityError:
            if not self._running(list_id):  # another constraint failed: an error to see, not a busy list
                raise
            raise SyncInProgressError(f"list {list_id} is being synced by another run; try again later") from None

    def _running(self, list_id: str) -> bool:
        """A ``running`` row holds the list's lease now (the unique index refused ours because of it)."""
        with self.state.connect() as conn:
            return bool(conn.execute(self.q("sync_select_running"), {"list_id": list_id}).mappings().all())

    def _newer_attempt_of(self, row: Any, holder: str) -> bool:
        """This attempt is a retry of the one that holds the lease (an unknown attempt counts as newer)."""
        if (row["lease_holder"] or f"{row['dag_id']}/{row['run_id']}") != holder:
            return False
        return self.attempt is None or row["attempt"] is None or self.attempt > int(row["attempt"])

    def _stale(self, row: Any, now: Any) -> bool:
        """The holder has shown no life (heartbeat, else start) for longer than the lease timeout."""
        seen = as_utc(row["heartbeat_at"] or row["started_at"])
        return seen is not None and now - seen > self.lease_timeout

    def heartbeat(self, conn: Connection, run_pk: int) -> None:
        """The holder's sign of life; raises :class:`LeaseLostError` when a newer attempt took the lease."""
        if conn.execute(self.q("sync_heartbeat"), {"id": run_pk, "now": utcnow()}).rowcount == 0:
            raise LeaseLostError(f"sync_run {run_pk} was taken over by a newer attempt; this attempt stops")

    def fence(self, run_pk: int) -> None:
        """The fence before a write or during a long read (``sync.fence``): a heartbeat in its own transaction."""
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)

    def holds(self, run_pk: int) -> None:
        """The fence between two heartbeats (``sync.fence``): a read, :class:`LeaseLostError` when the lease was
        taken over."""
        with self.state.connect() as conn:
            if conn.execute(self.q("sync_lease_held"), {"id": run_pk}).first() is None:
                raise LeaseLostError(f"sync_run {run_pk} was taken over by a newer attempt; this attempt stops")

    def finish_run(self, run_pk: int, status: str, counts: dict[str, int], message: str | None) -> None:
        """Close the run and free the lease, audited with its status and counts; :class:`LeaseLostError` when it
        was taken over meanwhile."""
        counted = {k: int(counts.get(k, 0)) for k in ("added", "updated", "removed", "rejected", "unchanged")}
        with self.state.begin() as conn:
            finished = conn.execute(
                self.q("sync_finish_run"),
                {
                    "id": run_pk,
                    "status": status,
                    "now": utcnow(),
                    "message": (message or "")[:4000] or None,
                    **counted,
                },
            ).mappings().first()
            if finished is None:
                raise LeaseLostError(f"sync_run {run_pk} was taken over by a newer attempt; its result is not recorded")
            AuditStore(self.engine).record(conn, AuditEvent(
                AuditAction.SYNC_FINISHED, finished["tenant_id"], self.who(finished["dag_id"], finished["run_id"]),
                finished["list_id"], {"sync_run_id": run_pk, "status": str(status), **counted}))

    # ------------------------------------------------------------------ the stored plan
    def record_plan(self, run_pk: int, list_id: str, plan: SyncPlan, rejected: pd.DataFrame, *, removal_mode: str,
                    writes: bool = True) -> None:
        """Every planned change with its reason and old/new values; ``result`` says ``planned``.

        Members left alone get a row too (``reject``/``keep``), with the resulting ``sync_state`` as result.
        Without ``writes`` the inserts and updates are left out: the run applies them and stores their rows as
        their batches settle (:meth:`record_changes`), and the rest with :meth:`record_unsettled_writes`.
        """
        with self.state.begin() as conn:
            for rows in change_rows(run_pk, list_id, plan, rejected, removal_mode=removal_mode, writes=writes):
                bulk_insert(conn, self.state_table("sync_change"), CHANGE_COLUMNS, rows)

    def record_changes(self, run_pk: int, rows: Sequence[tuple[Any, ...]]) -> None:
        """Settled writes' ``sync_change`` rows with their results (``sync.changes.write_rows``), behind the
        lease's fence: an attempt whose lease was taken over stops here, before it records anything."""
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)
            bulk_insert(conn, self.state_table("sync_change"), CHANGE_COLUMNS, rows)

    def record_unsettled_writes(self, run_pk: int, list_id: str, plan: SyncPlan, stored: dict[ChangeAction, int]) -> None:
        """The planned inserts and updates whose rows are not stored yet (all but the first ``stored[action]``
        of each), as ``planned``: a run left out of :meth:`record_plan` stops (blocked, failed) with its whole plan
        stored all the same. Nothing is written (no transaction) when every row is stored."""
        sections = unsettled_write_rows(run_pk, list_id, plan, stored)
        first = next(sections, None)
        if first is None:
            return
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)
            for rows in chain([first], sections):  # a chunk at a time, as record_plan
                bulk_insert(conn, self.state_table("sync_change"), CHANGE_COLUMNS, rows)

    def record_results(self, run_pk: int, action: str, ok: Sequence[str], failed: Sequence[tuple[str, str]]) -> None:
        """One batch's per-item results on the stored plan, and the lease's heartbeat (the fence: an attempt
        whose lease was taken over stops here, before it records anything)."""
        statement = self.q("sync_mark_changes_ok")
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)
            for chunk in chunks(ok):
                execute_in(conn, statement, {"run_id": run_pk, "action": action, "result": "ok"}, "emails", chunk, Text)
            if failed:
                conn.execute(
                    self.q("sync_mark_change_failed"),
                    [{"run_id": run_pk, "action": action, "email": email, "error": error[:1000]} for email, error in failed],
                )

    def set_alert(self, run_pk: int, alert: str) -> None:
        with self.state.begin() as conn:
            conn.execute(self.q("sync_set_alert"), {"id": run_pk, "alert": alert[:4000]})

    def runs_since_full(self, list_id: str, run_pk: int) -> list[PastRun]:
        """The list's applied runs back to its last successful full reconciliation, newest first (``sync.scope``)."""
        with self.state.connect() as conn:
            rows = conn.execute(self.q("sync_select_scope_facts"),
                                {"list_id": as_key(list_id), "run_pk": run_pk, "dry_run": False}).mappings().all()
        return [PastRun(as_utc(row["started_at"]), str(row["status"]), row["scope"]) for row in rows]

    def set_scope(self, run_pk: int, scope: str) -> None:
        with self.state.begin() as conn:
            conn.execute(self.q("sync_set_scope"), {"id": run_pk, "scope": str(scope)})

    def done_by_holder(self, list_id: str, *, dry_run: bool) -> dict[str, Any] | None:
        """The finished sync (success, partial, dry run) of the list by an earlier attempt of this ledger's holder,
        or None: what the retry of a batch of lists skips, and the counts it reports for it."""
        if self.holder is None:
            return None
        with self.state.connect() as conn:
            row = conn.execute(self.q("sync_select_done_by_holder"),
                               {"list_id": as_key(list_id), "holder": self.holder, "dry_run": bool(dry_run)}).mappings().first()
        return None if row is None else dict(row)

    def recent_removals(self, list_id: str) -> list[int]:
        """The removals of the list's recent applied runs: the baseline of the mass-removal alert."""
        with self.state.connect() as conn:
            return [int(r[0]) for r in conn.execute(self.q("sync_recent_removals"), {"list_id": as_key(list_id), "dry_run": False})]
