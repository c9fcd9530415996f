"""The daily retention task: stored plans and run messages older than the retention period go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.clock import utcnow
from cleverreach.housekeeping.retention import RetentionStore, retention_cutoff
from cleverreach.operators.base import CrmOperator


class CleverReachRetentionOperator(CrmOperator):
    """
    :param retention_days: days a finished run keeps its stored plan and message (templated).
    """

    template_fields: Sequence[str] = ("retention_days",)
    ui_color = "#eeeeee"

    def __init__(self, *, retention_days: int | str = 90, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        try:
            cutoff = retention_cutoff(utcnow(), int(self.retention_days))
        except (TypeError, ValueError):
            raise AirflowFailException(f"retention_days must be a whole number of days >= 1, got {self.retention_days!r}") from None
        counts = RetentionStore(engine).purge_before(cutoff)
        self.log.info("Retention: runs started before %s: %s", cutoff.isoformat(timespec="seconds"), counts)
        return {"cutoff": cutoff.isoformat(timespec="seconds"), **counts}
