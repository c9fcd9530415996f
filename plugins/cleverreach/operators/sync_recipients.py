"""Reconcile one recipient list, or a batch of lists one after another, with their CleverReach groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from sqlalchemy import Engine

from cleverreach.assets import LIST_RECIPIENTS_ALIAS, emit, list_recipients_asset, sync_event
from cleverreach.enums import RunStatus
from cleverreach.exceptions import (
    GroupGoneError,
    LeaseLostError,
    MassRemovalError,
    RecipientListError,
    SyncInProgressError,
)
from cleverreach.lists.batches import batch_label
from cleverreach.lists.store import ListStore
from cleverreach.operators.base import CleverReachTenantOperator, as_bool, with_outlet
from cleverreach.operators.tenants import optional_list_id


class LeaseSupersededError(AirflowFailException):
    """A newer attempt of this task took a list's lease over: this attempt stops, its batch included."""


class CleverReachSyncListOperator(CleverReachTenantOperator):
    """
    Plan and apply the sync of one list, or of a batch of lists (``cleverreach.lists.batches``) in sequence.

    :param tenant_id: CRM tenant id (templated); a batch names its tenants per list.
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param list_id: ``recipient_list.id`` (templated), for one list.
    :param lists: a batch: ``[{tenant_id, cleverreach_conn_id, list_id}, ...]``, instead of ``list_id``.
    :param lists_label: the batch's map index (``batch_label``).
    :param dry_run: plan and store the plan only; write nothing to CleverReach (templated).
    :param full_reconcile: read every receiver of each group, even where the connection's ``reconcile_hours``
        lets a sync read only the changes (templated; ``cleverreach.sync.scope``).
    :param crm_conn_id: connection of the CRM database.

    Each list of a batch syncs in its own ``try``: a list that fails is recorded (its ``sync_run`` failed and
    audited, a ``failed`` row in the task's result for the summary) and the next one runs. The task then fails,
    retryably when any failure may pass (anything but the refusals a single list's task fails for good on). Its
    retry syncs only the lists no earlier attempt finished (``RunLedger.done_by_holder``; the lease holder names
    the task and map index), reporting the finished ones from the ledger and emitting their events again.

    Its outlets always hold ``LIST_RECIPIENTS_ALIAS``: when a real run changed a group, the list's
    ``recipients`` asset gets an event through it; a dry run emits none (``cleverreach.assets``). Airflow
    registers a task's events only when it succeeds.
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "list_id", "dry_run", "full_reconcile")
    ui_color = "#fbe9d0"

    def __init__(self, *, list_id: int | str | None = None, lists: Sequence[Mapping[str, Any]] | None = None,
                 lists_label: str | None = None, tenant_id: str | None = None, cleverreach_conn_id: str | None = None,
                 dry_run: bool | str = False, full_reconcile: bool | str = False, **kwargs: Any) -> None:
        super().__init__(tenant_id=tenant_id, cleverreach_conn_id=cleverreach_conn_id,
                         **with_outlet(kwargs, LIST_RECIPIENTS_ALIAS))
        self.list_id = list_id
        self.lists = lists
        self.lists_label = lists_label
        self.dry_run = dry_run
        self.full_reconcile = full_reconcile

    @property
    def map_label(self) -> str:
        """What the task's map index shows: ``acme/41`` for one list, the batch's label for several."""
        if self.lists:
            return self.lists_label or batch_label(self.lists)
        return f"{self.tenant_id}/{self.list_id}"

    def _ledger(self, engine: Engine, context: Any) -> Any:
        """The run ledger with this attempt as the lease's holder (a retry takes its own lease over at once, anyone
        else after ``[cleverreach] lease_timeout_seconds`` without a heartbeat) and the run's actor for the audit."""
        from datetime import timedelta

        from airflow.sdk import conf

        from cleverreach.sync.ledger import RunLedger

        ti = context.get("ti")
        timeout = timedelta(seconds=conf.getint("cleverreach", "lease_timeout_seconds", fallback=600))
        holder = f"{self.dag_id}/{context['run_id']}/{self.task_id}/{getattr(ti, 'map_index', -1)}"
        return RunLedger(engine, lease_timeout=timeout, holder=holder, attempt=getattr(ti, "try_number", None),
                         actor=self.actor(context))

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any] | list[dict[str, Any]]:
        from cleverreach.sync.memory import return_freed_memory

        dry_run = as_bool(self.dry_run, "dry_run")
        return_freed_memory()  # a list's frames go back to the system before the next list (sync.memory)
        if not self.lists:
            list_id = optional_list_id(self.list_id)  # the one parse of the templated key
            if list_id is None:
                raise AirflowFailException("list_id is required")
            return self._sync_one(context, engine, str(self.tenant_id), list_id, dry_run, lambda: self.cleverreach)
        return self._sync_batch(context, engine, dry_run)

    def _sync_batch(self, context: Any, engine: Engine, dry_run: bool) -> list[dict[str, Any]]:
        """Every list of the batch in turn; fails at the end when any failed (see the class)."""
        hooks: dict[str, Any] = {}

        def hook_of(tenant_id: str, conn_id: str) -> Any:
            if tenant_id not in hooks:  # one login check per tenant; a failed login fails each of its lists
                try:
                    hooks[tenant_id] = self.tenant_hook(tenant_id, conn_id)
                except AirflowFailException as exc:
                    hooks[tenant_id] = exc
            if isinstance(hooks[tenant_id], Exception):
                raise hooks[tenant_id]
            return hooks[tenant_id]

        results: list[dict[str, Any]] = []
        failed: list[tuple[str, bool]] = []  # (list, may pass on a retry)
        for item in self.lists or ():
            tenant_id, conn_id = str(item["tenant_id"]), str(item["cleverreach_conn_id"])
            list_id = optional_list_id(item["list_id"]) or ""
            try:
                results.append(self._sync_one(context, engine, tenant_id, list_id, dry_run,
                                              lambda t=tenant_id, c=conn_id: hook_of(t, c)))
            except LeaseSupersededError:
                raise
            except Exception as exc:  # one list's failure is that list's: the batch goes on
                if isinstance(exc, AirflowFailException):
                    self.log.error("%s/%s failed: %s", tenant_id, list_id, exc)
                else:
                    self.log.exception("%s/%s failed", tenant_id, list_id)
                failed.append((f"{tenant_id}/{list_id}", not isinstance(exc, AirflowFailException)))
                results.append({"tenant_id": tenant_id, "list_id": list_id, "dry_run": dry_run,
                                "status": str(RunStatus.FAILED), "error": f"{type(exc).__name__}: {exc}"[:500]})
        if not failed:
            return results
        ti = context.get("ti")
        if ti is not None:  # the summary's rows: the finished lists and the failed ones, though the task fails
            ti.xcom_push("return_value", results)
        message = (f"{len(failed)} of {len(results)} lists failed: {', '.join(name for name, _ in failed)}; the others "
                   "are synced (see the log above; a retry syncs only the lists not yet done)")
        if any(retryable for _, retryable in failed):
            raise AirflowException(message)
        raise AirflowFailException(message)

    def _sync_one(self, context: Any, engine: Engine, tenant_id: str, list_id: str, dry_run: bool,
                  hook: Any) -> dict[str, Any]:
        """One list: its sync (or, on a retry, what an earlier attempt finished), its event, its summary."""
        from cleverreach.sync.memory import return_freed_heap
        from cleverreach.sync.service import ListSync  # pandas: imported when the task runs, not at parse time

        ledger = self._ledger(engine, context)
        done = ledger.done_by_holder(list_id, dry_run=dry_run) if (ledger.attempt or 1) > 1 else None
        try:
            if done is not None:
                self.log.info("%s/%s: finished by an earlier attempt (sync_run %s, %s): not synced again",
                              tenant_id, list_id, done["id"], done["status"])
                summary = resumed_summary(tenant_id, list_id, dry_run, done)
            else:
                target = ListStore(engine).sync_target(tenant_id, list_id)  # the one ownership check
                sync = ListSync(hook(), ledger, target, dag_id=self.dag_id, run_id=context["run_id"], logger=self.log,
                                full=as_bool(self.full_reconcile, "full_reconcile"))
                summary = sync.run(dry_run=dry_run)
        except LeaseLostError as exc:
            raise LeaseSupersededError(str(exc)) from None
        except (MassRemovalError, SyncInProgressError, GroupGoneError, RecipientListError) as exc:
            raise AirflowFailException(str(exc)) from None
        finally:
            return_freed_heap()  # the list's frames are dropped: their pages go back before the next list
        emit(context, LIST_RECIPIENTS_ALIAS, list_recipients_asset(tenant_id, list_id), sync_event(summary))
        return self.in_tenant_time(summary, tenant_id=tenant_id)


def resumed_summary(tenant_id: str, list_id: str, dry_run: bool, row: Mapping[str, Any]) -> dict[str, Any]:
    """A list's summary rebuilt from the ``sync_run`` an earlier attempt finished (its counts as the ledger kept
    them), marked ``resumed``."""
    counts = {name: int(row.get(name) or 0) for name in ("added", "updated", "removed", "rejected", "unchanged")}
    return {"tenant_id": tenant_id, "list_id": list_id, "dry_run": dry_run, "sync_run_id": int(row["id"]),
            "status": str(row["status"]), "scope": row.get("scope"), "resumed": True, **counts}


def failed_batch_events(results: Sequence[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(tenant, list, extra)`` of each list that changed its group in a batch whose task failed: Airflow registers a
    task's asset events only when it succeeds, so these are emitted by :func:`late_events_task`. A successful task's
    result holds no failed row, and its events were registered with it."""
    events = []
    for i in range(len(results)):  # index: iterating Airflow's lazy XCom sequence probes one past the end
        batch = results[i]
        if not isinstance(batch, list) or not any(r.get("status") == str(RunStatus.FAILED) for r in batch if r):
            continue
        for row in batch:
            extra = sync_event(row) if row and row.get("status") != str(RunStatus.FAILED) else None
            if extra is not None:
                events.append((str(row["tenant_id"]), str(row["list_id"]), extra))
    return events


def late_events_task():  # noqa: ANN201 - a TaskFlow task
    """The sync DAG's task (``all_done``) that emits the asset events of the lists synced in a batch that failed."""
    from airflow.sdk import get_current_context, task

    @task(task_id="late_asset_events", trigger_rule="all_done", outlets=[LIST_RECIPIENTS_ALIAS])
    def late_asset_events(results: list) -> int:
        context = get_current_context()
        events = failed_batch_events(results)
        for tenant_id, list_id, extra in events:
            emit(context, LIST_RECIPIENTS_ALIAS, list_recipients_asset(tenant_id, list_id), extra)
        return len(events)

    return late_asset_events
