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
