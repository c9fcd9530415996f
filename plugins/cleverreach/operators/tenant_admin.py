"""The tenant lifecycle's admin actions as a task: rename a tenant id, move a tenant to another CleverReach account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.access import check_run_scope
from cleverreach.operators.base import CrmOperator
from cleverreach.tenants.lifecycle import TenantAction, TenantLifecycleError, TenantRequest
from cleverreach.tenants.service import TenantLifecycle, lease_timeout_from_config


class CleverReachTenantAdminOperator(CrmOperator):
    """
    One admin action on a tenant's private state (``cleverreach.tenants``); refusals fail the task without retry
    and change nothing. Returns a report of counts.

    :param action: ``rename`` or ``move`` (templated).
    :param tenant: the tenant acted on; for a rename the old id (templated).
    :param new_tenant_id: a rename's new id (templated).
    :param confirm: must repeat ``tenant`` (templated).
    """

    template_fields: Sequence[str] = ("action", "tenant", "new_tenant_id", "confirm")
    ui_color = "#f3e2c7"

    def __init__(self, *, action: str, tenant: str, new_tenant_id: str | None = None, confirm: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.action = action
        self.tenant = tenant
        self.new_tenant_id = new_tenant_id
        self.confirm = confirm

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        try:
            request = TenantRequest.of(self.action, self.tenant, self.new_tenant_id, self.confirm)
        except TenantLifecycleError as exc:
            raise AirflowFailException(f"Refused: {exc}") from None
        check_run_scope(engine, context, request.tenant)  # a user limited to tenants acts only within them
        if request.action is TenantAction.RENAME:
            check_run_scope(engine, context, request.new_tenant_id)
        try:
            return TenantLifecycle(engine, self.actor(context), lease_timeout=lease_timeout_from_config(),
                                   logger=self.log).run(request)
        except TenantLifecycleError as exc:
            raise AirflowFailException(f"Refused: {exc}") from None
