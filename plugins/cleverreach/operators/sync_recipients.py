"""Reconcile one recipient list with its CleverReach group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.exceptions import GroupGoneError, MassRemovalError, SyncInProgressError
from cleverreach.hooks.crm import CrmHook
from cleverreach.operators.import_lists import open_cleverreach


class CleverReachSyncListOperator(BaseOperator):
    """
    Plan and apply the sync of one list; ``dry_run`` and ``allow_mass_removal`` come from the run's params.

    :param tenant_id: CRM tenant id.
    :param cleverreach_conn_id: the tenant's CleverReach connection.
    :param list_id: ``recipient_list.id``.
    :param crm_conn_id: connection of the CRM database.
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "list_id")
    ui_color = "#fbe9d0"

    def __init__(
        self,
        *,
        tenant_id: str,
        cleverreach_conn_id: str,
        list_id: int,
        crm_conn_id: str = CrmHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.cleverreach_conn_id = cleverreach_conn_id
        self.list_id = list_id
        self.crm_conn_id = crm_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from cleverreach.sync.runner import ListSync  # pandas: imported when the task runs, not at parse time
        from cleverreach.sync.store import SyncStore

        params = context["params"]
        cleverreach = open_cleverreach(self.tenant_id, self.cleverreach_conn_id)
        crm = CrmHook(self.crm_conn_id)
        try:
            store = SyncStore(crm.engine)
            (list_row,) = store.lists(self.tenant_id, int(self.list_id))
            sync = ListSync(
                cleverreach, store, tenant_id=self.tenant_id, list_row=list_row,
                dag_id=self.dag_id, run_id=context["run_id"], logger=self.log,
            )
            return sync.run(
                dry_run=bool(params.get("dry_run", False)),
                allow_mass_removal=bool(params.get("allow_mass_removal", False)),
            )
        except (MassRemovalError, SyncInProgressError, GroupGoneError) as exc:
            raise AirflowFailException(str(exc)) from None
        finally:
            crm.dispose()
