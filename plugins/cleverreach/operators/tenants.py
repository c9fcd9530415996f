"""Resolve which tenants a run works on (the fan-out source for dynamic task mapping)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.crm.store import CrmStore
from cleverreach.exceptions import TenantNotFoundError
from cleverreach.hooks.crm import CrmHook


class CrmTenantsOperator(BaseOperator):
    """
    Migrate the integration's CRM tables, then return ``[{tenant_id, cleverreach_conn_id}, ...]``.

    The tenant comes from the run's ``tenant`` param (None = every active tenant). It is read from
    the context rather than templated, because a templated None would arrive as the string "None".

    :param crm_conn_id: connection of the CRM database.
    """

    ui_color = "#e8f1fb"

    def __init__(self, *, crm_conn_id: str = CrmHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crm_conn_id = crm_conn_id

    def execute(self, context: Any) -> list[dict[str, str]]:
        tenant_param = context["params"].get("tenant") or None
        crm = CrmHook(self.crm_conn_id)
        try:
            applied = crm.migrate()
            if applied:
                self.log.info("Applied CRM migrations: %s", ", ".join(applied))
            try:
                tenants = CrmStore(crm.engine).tenants(tenant_param)
            except TenantNotFoundError as exc:
                raise AirflowFailException(str(exc)) from None
        finally:
            crm.dispose()
        self.log.info("Tenants for this run: %s", ", ".join(t.id for t in tenants) or "none")
        return [tenant.as_task_kwargs() for tenant in tenants]


class CrmListsOperator(BaseOperator):
    """
    Return ``[{tenant_id, cleverreach_conn_id, list_id}, ...]`` for the run's ``tenant`` and ``list_id`` params.

    ``tenant`` empty = every active tenant; ``list_id`` empty = every list of the tenant(s). A list
    whose CleverReach group is gone is skipped with a warning; a ``list_id`` of another tenant, or
    one that does not exist, is refused before anything else is read or written.

    :param crm_conn_id: connection of the CRM database.
    """

    ui_color = "#e8f1fb"

    def __init__(self, *, crm_conn_id: str = CrmHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crm_conn_id = crm_conn_id

    def execute(self, context: Any) -> list[dict[str, Any]]:
        from cleverreach.exceptions import RecipientListError
        from cleverreach.sync.store import SyncStore

        params = context["params"]
        tenant_param, list_param = params.get("tenant") or None, params.get("list_id")
        if list_param is not None and tenant_param is None:
            raise AirflowFailException("list_id needs tenant: name the tenant the list belongs to")
        crm = CrmHook(self.crm_conn_id)
        try:
            crm.migrate()
            try:
                tenants = CrmStore(crm.engine).tenants(tenant_param)
                store = SyncStore(crm.engine)
                targets = []
                for tenant in tenants:
                    for row in store.lists(tenant.id, list_param):
                        if row["remote_deleted_at"] is not None:
                            self.log.warning(
                                "Skipping list %s (%s) of tenant %s: its CleverReach group %s is gone since %s",
                                row["id"], row["name"], tenant.id, row["external_id"], row["remote_deleted_at"],
                            )
                            continue
                        targets.append({**tenant.as_task_kwargs(), "list_id": int(row["id"])})
            except (TenantNotFoundError, RecipientListError) as exc:
                raise AirflowFailException(str(exc)) from None
        finally:
            crm.dispose()
        self.log.info("Lists for this run: %s", ", ".join(f"{t['tenant_id']}/{t['list_id']}" for t in targets) or "none")
        return targets
