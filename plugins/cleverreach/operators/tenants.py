"""Resolve which tenants and lists a run works on (the fan-out source for dynamic task mapping)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.access import check_run_scope
from cleverreach.crm.keys import InvalidKeyError, as_key
from cleverreach.exceptions import RecipientListError, TenantNotFoundError
from cleverreach.lists.batches import DEFAULT_SPREAD, batch_lists, batch_tenants
from cleverreach.lists.store import ListStore
from cleverreach.operators.base import CrmOperator, optional_text
from cleverreach.tenants.store import TenantStore


LIST_ID_ERROR = "list_id must be the key of a recipient list (a positive integer or text)"


def optional_list_id(value: Any) -> str | None:
    """A templated list key: None/blank, or the key as text (``as_key``: 41 -> "41", "0042" stays; whether it
    names a list of the tenant is the store's to say)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, int) and value < 1):
        raise AirflowFailException(f"{LIST_ID_ERROR}, got {value!r}")
    try:
        return as_key(value)
    except InvalidKeyError:
        raise AirflowFailException(f"{LIST_ID_ERROR}, got {value!r}") from None


class CrmTenantsOperator(CrmOperator):
    """
    Return ``[{tenant_id, cleverreach_conn_id}, ...]``: the fan-out source, and so the DAG's first task, which
    migrates the private state (``migrate_state=True``) before its mapped tasks start.

    :param tenant: CRM tenant id; empty = every active tenant (templated).
    :param batched: map batches of tenants (``batch_tenants``, ``[cleverreach] tenants_per_task``) for an operator
        that works through a batch (the import); default one item per tenant.
    """

    template_fields: Sequence[str] = ("tenant",)
    ui_color = "#e8f1fb"

    def __init__(self, *, tenant: str | None = None, batched: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.batched = batched

    def execute_with_crm(self, context: Any, engine: Engine) -> list[dict[str, str]]:
        check_run_scope(engine, context, optional_text(self.tenant))
        try:
            tenants = TenantStore(engine).tenants(optional_text(self.tenant))
        except TenantNotFoundError as exc:
            raise AirflowFailException(str(exc)) from None
        self.log.info("Tenants for this run: %s", ", ".join(t.id for t in tenants) or "none")
        items = [tenant.as_task_kwargs() for tenant in tenants]
        if not self.batched:
            return items
        from cleverreach.dag_defaults import tenant_parallelism, tenants_per_task

        return batch_tenants(items, tenants_per_task(), tenant_parallelism() or DEFAULT_SPREAD)


class CrmListsOperator(CrmOperator):
    """
    Return the mapped kwargs of a tenant's lists, one item per batch of lists (``cleverreach.lists.batches``): a
    single list's ``{tenant_id, cleverreach_conn_id, list_id}``, or ``{lists: [...], lists_label}``. The fan-out source,
    and so the DAG's first task, which migrates the private state (``migrate_state=True``).

    ``tenant`` empty = every active tenant; ``list_id`` empty = every list of the tenant(s). A list
    whose CleverReach group is gone is skipped with a warning; a ``list_id`` of another tenant, or
    one that does not exist, is refused before anything else is read or written.

    :param tenant: CRM tenant id (templated).
    :param list_id: ``recipient_list.id`` (templated); needs ``tenant``.
    :param lists_per_task: lists one mapped task syncs at most; None = ``[cleverreach] lists_per_task``, 1 = one
        task per list. A run is spread over at least ``[cleverreach] tenant_parallelism`` tasks (8 when unset).
    """

    template_fields: Sequence[str] = ("tenant", "list_id")
    ui_color = "#e8f1fb"

    def __init__(self, *, tenant: str | None = None, list_id: int | str | None = None,
                 lists_per_task: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.list_id = list_id
        self.lists_per_task = lists_per_task

    def execute_with_crm(self, context: Any, engine: Engine) -> list[dict[str, Any]]:
        tenant_id, list_id = optional_text(self.tenant), optional_list_id(self.list_id)
        if list_id is not None and tenant_id is None:
            raise AirflowFailException("list_id needs tenant: name the tenant the list belongs to")
        check_run_scope(engine, context, tenant_id)
        lists = ListStore(engine)
        targets = []
        try:
            for tenant in TenantStore(engine).tenants(tenant_id):
                for row in lists.lists(tenant.id, list_id):
                    if row["remote_deleted_at"] is not None:
                        self.log.warning(
                            "Skipping list %s (%s) of tenant %s: its CleverReach group %s is gone since %s",
                            row["id"], row["name"], tenant.id, row["external_id"], row["remote_deleted_at"],
                        )
                        continue
                    targets.append({**tenant.as_task_kwargs(), "list_id": as_key(row["id"])})
        except (TenantNotFoundError, RecipientListError) as exc:
            raise AirflowFailException(str(exc)) from None
        self.log.info("Lists for this run: %s", ", ".join(f"{t['tenant_id']}/{t['list_id']}" for t in targets) or "none")
        from cleverreach.dag_defaults import lists_per_task, tenant_parallelism

        per_task = self.lists_per_task if self.lists_per_task is not None else lists_per_task()
        batches = batch_lists(targets, per_task, tenant_parallelism() or DEFAULT_SPREAD)
        if len(batches) < len(targets):
            self.log.info("%d lists in %d tasks (at most %d lists each)", len(targets), len(batches), per_task)
        return batches
