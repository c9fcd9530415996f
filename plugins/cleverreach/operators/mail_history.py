"""Load one tenant's CleverReach mail history into the CRM contact history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.assets import CONTACT_HISTORY_ALIAS, contact_history_asset, emit, history_event
from cleverreach.history.service import MailHistoryLoad
from cleverreach.history.store import HistoryStore
from cleverreach.operators.base import CleverReachTenantOperator, with_outlet


def parse_since(value: Any) -> date | None:
    """The ``since`` argument: a date (YYYY-MM-DD) or empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise AirflowFailException(f"since must be a date like 2026-01-31, got {value!r}") from None


class CleverReachMailHistoryOperator(CleverReachTenantOperator):
    """
    Mailings since the tenant's watermark (or ``since``, for a backfill) into ``contact_history``.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param since: read mailings finished since this date instead of the watermark (templated).
    :param crm_conn_id: connection of the CRM database.

    Its outlets always hold ``CONTACT_HISTORY_ALIAS``: when the load inserted rows, the tenant's
    ``contact_history`` asset gets an event through it (``cleverreach.assets``).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "since")
    ui_color = "#e3f4e1"

    def __init__(self, *, since: str | date | None = None, **kwargs: Any) -> None:
        super().__init__(**with_outlet(kwargs, CONTACT_HISTORY_ALIAS))
        self.since = since

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        since = parse_since(self.since)
        load = MailHistoryLoad(self.cleverreach, HistoryStore(engine), tenant_id=str(self.tenant_id), logger=self.log)
        summary = load.run(since=since)
        emit(context, CONTACT_HISTORY_ALIAS, contact_history_asset(str(self.tenant_id)), history_event(summary))
        return self.in_tenant_time(summary, window_start=summary.get("window_start"), watermark=summary.get("watermark"))
