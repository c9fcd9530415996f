"""Import one tenant's CleverReach groups into ``recipient_list``."""

from __future__ import annotations

from typing import Any

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
    :param crm_conn_id: connection of the CRM database.
    """

    ui_color = "#fbe9d0"

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        store = ListStore(engine)
        summary = self.in_tenant_time(ListImport(self.cleverreach, store, tenant_id=str(self.tenant_id),
                                                 actor=self.actor(context), logger=self.log).run())
        self.log.info("Tenant %s: %s", self.tenant_id, summary)
        self.log.info(
            "Recipient lists of tenant %s:\n%s",
            self.tenant_id,
            format_table(store.lists(str(self.tenant_id)), ["id", "external_id", "name", "remote_member_count",
                                                             "remote_deleted_at"]),
        )
        return summary
