"""Add or remove contact persons on a recipient list: the CRM's "Empfänger hinzufügen" dialog as a task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.access import check_run_scope
from cleverreach.exceptions import RecipientListError, TenantNotFoundError
from cleverreach.members.selection import MemberSelection, SelectionError
from cleverreach.members.service import MemberDialog
from cleverreach.operators.base import CrmOperator

SELECTION_FIELDS: tuple[str, ...] = (
    "tenant", "list_id", "action", "letter", "tag", "category", "sales_process", "search", "address_ids",
    "contact_ids", "sync_after",
)


class ManageListMembersOperator(CrmOperator):
    """
    Select contact persons and add them to, or remove them from, one list.

    Every refusal (unknown tenant, someone else's list, no filter, foreign ids, …) fails the task
    without retry and before anything is written. Returns the counts and, when ``sync_after`` is set,
    the conf of the sync run to trigger (``sync_conf``); the log says the same in words, without
    e-mail addresses.

    :param tenant: CRM tenant id the list belongs to (templated, like every selection argument).
    :param list_id: ``recipient_list.id``.
    :param action: ``add`` or ``remove``.
    :param letter: initial letter of the address name, ``A``–``Z`` or ``0-9``.
    :param tag: addresses with this tag. :param category: addresses of this category.
    :param sales_process: addresses in this sales process.
    :param search: text in the address name, matchcode or city.
    :param address_ids: addresses whose contact persons are selected.
    :param contact_ids: contact persons picked directly (AND with the address filters).
    :param sync_after: whether the DAG should sync the list afterwards.
    """

    template_fields: Sequence[str] = SELECTION_FIELDS
    ui_color = "#e3f4e1"

    def __init__(
        self,
        *,
        tenant: str,
        list_id: int | str,
        action: str = "add",
        letter: str | None = None,
        tag: str | None = None,
        category: str | None = None,
        sales_process: str | None = None,
        search: str | None = None,
        address_ids: Sequence[int] | str = (),
        contact_ids: Sequence[int] | str = (),
        sync_after: bool | str = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tenant, self.list_id, self.action = tenant, list_id, action
        self.letter, self.tag, self.category, self.sales_process, self.search = letter, tag, category, sales_process, search
        self.address_ids, self.contact_ids, self.sync_after = address_ids, contact_ids, sync_after

    def selection(self) -> MemberSelection:
        """The rendered arguments as the dialog's checked selection."""
        params = {name: getattr(self, name) for name in SELECTION_FIELDS}
        if params["tenant"] is not None:
            params["tenant"] = str(params["tenant"])
        return MemberSelection.from_params(params)

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        try:
            selection = self.selection()
        except SelectionError as exc:
            raise AirflowFailException(str(exc)) from None
        check_run_scope(engine, context, selection.tenant_id)
        try:
            change = MemberDialog(engine).apply(selection, actor=self.actor(context))
        except (SelectionError, TenantNotFoundError, RecipientListError) as exc:
            raise AirflowFailException(str(exc)) from None
        if change.without_email:
            self.log.warning(change.message())
        else:
            self.log.info(change.message())
        return {**change.counts(), "sync_conf": selection.sync_conf()}
