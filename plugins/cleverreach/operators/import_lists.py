"""Import one tenant's CleverReach groups into ``recipient_list``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from cleverreach.crm.store import CrmStore
from cleverreach.exceptions import CleverReachAuthError, CleverReachConfigError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.hooks.crm import CrmHook
from cleverreach.lists.import_plan import RemoteGroup, plan_list_import
from cleverreach.reporting import format_table


def open_cleverreach(tenant_id: str, conn_id: str) -> CleverReachHook:
    """A hook whose login is already checked; a bad login fails only this tenant, with a plain message."""
    hook = CleverReachHook(conn_id)
    try:
        hook.validate_login()
    except (CleverReachAuthError, CleverReachConfigError, AirflowNotFoundException) as exc:
        raise AirflowFailException(
            f"Tenant {tenant_id!r}: CleverReach login failed for connection {conn_id!r}: {exc}"
        ) from None
    return hook


class CleverReachImportListsOperator(BaseOperator):
    """
    Check the tenant's login, make sure the ``ext_id`` global attribute exists, import the groups.

    :param tenant_id: CRM tenant id.
    :param cleverreach_conn_id: the tenant's CleverReach connection.
    :param crm_conn_id: connection of the CRM database.
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id")
    ui_color = "#fbe9d0"

    def __init__(
        self,
        *,
        tenant_id: str,
        cleverreach_conn_id: str,
        crm_conn_id: str = CrmHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.cleverreach_conn_id = cleverreach_conn_id
        self.crm_conn_id = crm_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        cleverreach = open_cleverreach(self.tenant_id, self.cleverreach_conn_id)
        ext_id = cleverreach.settings.ext_id_attribute
        for name in cleverreach.ensure_global_attributes({ext_id: "hyperspace CRM contact person id"}):
            self.log.info("Tenant %s: created the global attribute %r in CleverReach", self.tenant_id, name)

        remote = [
            RemoteGroup.from_api(group, cleverreach.group_stats(str(group["id"])))
            for group in cleverreach.list_groups()
        ]
        crm = CrmHook(self.crm_conn_id)
        try:
            store = CrmStore(crm.engine)
            plan = plan_list_import(store.local_lists(self.tenant_id), remote)
            store.apply_list_import(self.tenant_id, plan, actor=f"airflow:{self.dag_id}")
            lists = store.recipient_lists(self.tenant_id)
        finally:
            crm.dispose()

        summary = {"tenant_id": self.tenant_id, "groups": len(remote), **plan.counts()}
        self.log.info("Tenant %s: %s", self.tenant_id, summary)
        self.log.info(
            "Recipient lists of tenant %s:\n%s",
            self.tenant_id,
            format_table(
                lists, ["id", "external_id", "name", "remote_member_count", "remote_deleted_at"]
            ),
        )
        return summary
