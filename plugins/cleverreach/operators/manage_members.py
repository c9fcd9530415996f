"""Add or remove contact persons on a recipient list: the CRM's "Empfänger hinzufügen" dialog as a task."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.exceptions import RecipientListError, TenantNotFoundError
from cleverreach.hooks.crm import CrmHook
from cleverreach.members.selection import MemberSelection, SelectionError
from cleverreach.members.store import MemberStore


class ManageListMembersOperator(BaseOperator):
    """
    Select contact persons by the run's params and add them to, or remove them from, one list.

    The params (``tenant``, ``list_id``, ``action``, the filters) are read from the context rather
    than templated, because a templated None would arrive as the string "None". Every refusal
    (unknown tenant, someone else's list, no filter, foreign ids, …) fails the task without retry and
    before anything is written. Returns the counts; the log says the same in words, without e-mails.

    :param crm_conn_id: connection of the CRM database.
    """

    ui_color = "#e3f4e1"

    def __init__(self, *, crm_conn_id: str = CrmHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crm_conn_id = crm_conn_id

    def actor(self, context: Any) -> str:
        """``added_by``: the user who triggered the run if Airflow knows one, else ``airflow:<dag_id>``."""
        user = getattr(context.get("dag_run"), "triggering_user_name", None)
        return user or f"airflow:{self.dag_id}"

    def execute(self, context: Any) -> dict[str, Any]:
        crm = CrmHook(self.crm_conn_id)
        try:
            applied = crm.migrate()  # the member table is the integration's
            if applied:
                self.log.info("Applied CRM migrations: %s", ", ".join(applied))
            try:
                selection = MemberSelection.from_params(context["params"])
                change = MemberStore(crm.engine).apply(selection, actor=self.actor(context))
            except (SelectionError, TenantNotFoundError, RecipientListError) as exc:
                raise AirflowFailException(str(exc)) from None
        finally:
            crm.dispose()
        if change.without_email:
            self.log.warning(change.message())
        else:
            self.log.info(change.message())
        return change.counts()
