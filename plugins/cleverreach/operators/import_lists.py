"""Import one tenant's CleverReach groups into ``recipient_list``, or those of a batch of tenants in turn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from sqlalchemy import Engine

from cleverreach.lists.service import ListImport
from cleverreach.lists.store import ListStore
from cleverreach.operators.base import CleverReachTenantOperator
from cleverreach.reporting import format_table


class CleverReachImportListsOperator(CleverReachTenantOperator):
    """
    Check the tenant's login, make sure the ``ext_id`` global attribute exists, import the groups.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param tenants: a batch (``cleverreach.lists.batches.batch_tenants``): ``[{tenant_id, cleverreach_conn_id}, ...]``
        instead of one tenant. Each tenant in its own ``try``: a failed one is a ``failed`` row of the result and
        fails the task at the end (retryably unless every failure is final); the others are imported. An import
        is idempotent, so a retry imports the whole batch again.
    :param tenants_label: the batch's map index.
    :param crm_conn_id: connection of the CRM database.
    """

    ui_color = "#fbe9d0"

    def __init__(self, *, tenant_id: str | None = None, cleverreach_conn_id: str | None = None,
                 tenants: Sequence[Mapping[str, Any]] | None = None, tenants_label: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(tenant_id=tenant_id, cleverreach_conn_id=cleverreach_conn_id, **kwargs)
        self.tenants = tenants
        self.tenants_label = tenants_label

    @property
    def map_label(self) -> str:
        """What the task's map index shows: the tenant, or the batch's label."""
        return (self.tenants_label or f"{len(self.tenants)} tenants") if self.tenants else str(self.tenant_id)

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any] | list[dict[str, Any]]:
        if not self.tenants:
            return self._import(context, engine, str(self.tenant_id), self.cleverreach)
        results: list[dict[str, Any]] = []
        failed: list[tuple[str, bool]] = []
        for tenant in self.tenants:
            tenant_id = str(tenant["tenant_id"])
            try:
                hook = self.tenant_hook(tenant_id, str(tenant["cleverreach_conn_id"]))
                results.append(self._import(context, engine, tenant_id, hook))
            except Exception as exc:  # one tenant's failure is that tenant's: the batch goes on
                final = isinstance(exc, AirflowFailException)
                (self.log.error if final else self.log.exception)("Tenant %s failed: %s", tenant_id, exc)
                failed.append((tenant_id, not final))
                results.append({"tenant_id": tenant_id, "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]})
        if not failed:
            return results
        ti = context.get("ti")
        if ti is not None:  # the summary's rows, though the task fails
            ti.xcom_push("return_value", results)
        message = f"{len(failed)} of {len(results)} tenants failed: {', '.join(t for t, _ in failed)}; the others are imported"
        raise (AirflowException if any(retry for _, retry in failed) else AirflowFailException)(message)

    def _import(self, context: Any, engine: Engine, tenant_id: str, hook: Any) -> dict[str, Any]:
        store = ListStore(engine)
        summary = self.in_tenant_time(ListImport(hook, store, tenant_id=tenant_id, actor=self.actor(context),
                                                 logger=self.log).run(), tenant_id=tenant_id)
        self.log.info("Tenant %s: %s", tenant_id, summary)
        self.log.info(
            "Recipient lists of tenant %s:\n%s", tenant_id,
            format_table(store.lists(tenant_id), ["id", "external_id", "name", "remote_member_count", "remote_deleted_at"]),
        )
        return summary
