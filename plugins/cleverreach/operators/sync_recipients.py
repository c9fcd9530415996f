"""Reconcile one recipient list with its CleverReach group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.assets import LIST_RECIPIENTS_ALIAS, emit, list_recipients_asset, sync_event
from cleverreach.exceptions import GroupGoneError, MassRemovalError, RecipientListError, SyncInProgressError
from cleverreach.lists.store import ListStore
from cleverreach.operators.base import CleverReachTenantOperator, as_bool, with_outlet
from cleverreach.operators.tenants import optional_list_id


class CleverReachSyncListOperator(CleverReachTenantOperator):
    """
    Plan and apply the sync of one list.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param list_id: ``recipient_list.id`` (templated).
    :param dry_run: plan and store the plan only; write nothing to CleverReach (templated).
    :param crm_conn_id: connection of the CRM database.

    Its outlets always hold ``LIST_RECIPIENTS_ALIAS``: when a real run changed the group, the list's
    ``recipients`` asset gets an event through it; a dry run emits none (``cleverreach.assets``).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "list_id", "dry_run")
    ui_color = "#fbe9d0"

    def __init__(self, *, list_id: int | str, dry_run: bool | str = False, **kwargs: Any) -> None:
        super().__init__(**with_outlet(kwargs, LIST_RECIPIENTS_ALIAS))
        self.list_id = list_id
        self.dry_run = dry_run

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

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        from cleverreach.sync.service import ListSync  # pandas: imported when the task runs, not at parse time

        list_id = optional_list_id(self.list_id)  # the one parse of the templated key
        if list_id is None:
            raise AirflowFailException("list_id is required")
        dry_run = as_bool(self.dry_run, "dry_run")
        try:
            target = ListStore(engine).sync_target(str(self.tenant_id), list_id)  # the one ownership check
            ledger = self._ledger(engine, context)
            sync = ListSync(self.cleverreach, ledger, target, dag_id=self.dag_id, run_id=context["run_id"], logger=self.log)
            summary = sync.run(dry_run=dry_run)
        except (MassRemovalError, SyncInProgressError, GroupGoneError, RecipientListError) as exc:
            raise AirflowFailException(str(exc)) from None
        emit(context, LIST_RECIPIENTS_ALIAS, list_recipients_asset(str(self.tenant_id), list_id), sync_event(summary))
        return self.in_tenant_time(summary)
