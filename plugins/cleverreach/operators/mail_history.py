"""Load one tenant's CleverReach mail history into the CRM contact history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.history.loader import MailHistoryLoad
from cleverreach.history.store import HistoryStore
from cleverreach.hooks.crm import CrmHook
from cleverreach.operators.import_lists import open_cleverreach


def parse_since(value: Any) -> date | None:
    """The ``since`` param: a date (YYYY-MM-DD) or empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise AirflowFailException(f"since must be a date like 2026-01-31, got {value!r}") from None


class CleverReachMailHistoryOperator(BaseOperator):
    """
    Mailings since the tenant's watermark (``since`` param for a backfill) into ``contact_history``.

    :param tenant_id: CRM tenant id.
    :param cleverreach_conn_id: the tenant's CleverReach connection.
    :param crm_conn_id: connection of the CRM database.
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id")
    ui_color = "#e3f4e1"

    def __init__(self, *, tenant_id: str, cleverreach_conn_id: str, crm_conn_id: str = CrmHook.default_conn_name,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.cleverreach_conn_id = cleverreach_conn_id
        self.crm_conn_id = crm_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        since = parse_since(context["params"].get("since"))
        cleverreach = open_cleverreach(self.tenant_id, self.cleverreach_conn_id)
        crm = CrmHook(self.crm_conn_id)
        try:
            load = MailHistoryLoad(cleverreach, HistoryStore(crm.engine), tenant_id=self.tenant_id, logger=self.log)
            return load.run(since=since)
        finally:
            crm.dispose()
