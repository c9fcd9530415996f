"""Check the CRM adapter against the live CRM: every statement, its columns and types, counts per tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from cleverreach.access import check_run_scope
from cleverreach.crm_check.service import AdapterCheck
from cleverreach.crm_check.store import AdapterCheckStore
from cleverreach.crm_check.verdicts import StatementReport, Verdict, failure_message
from cleverreach.exceptions import TenantNotFoundError
from cleverreach.operators.base import CrmOperator, optional_text


class CrmCheckAdapterOperator(CrmOperator):
    """
    Run every statement of the adapter manifest against the CRM, each in a transaction that is rolled
    back, and judge its columns and types; then count per tenant. Returns the report (names, verdicts,
    counts; no row's values) and succeeds even when statements fail, so that the report is kept:
    :class:`CrmCheckVerdictOperator` turns it into the run's verdict.

    :param tenant: CRM tenant id; empty = every active tenant (templated).
    """

    template_fields: Sequence[str] = ("tenant",)
    ui_color = "#e8f1fb"

    def __init__(self, *, tenant: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        tenant_id = optional_text(self.tenant)
        check_run_scope(engine, context, tenant_id)
        try:
            return AdapterCheck(AdapterCheckStore(engine), tenant_id, logger=self.log).run()
        except TenantNotFoundError as exc:
            raise AirflowFailException(str(exc)) from None


class CrmCheckVerdictOperator(BaseOperator):
    """
    Fail when the adapter check found a statement that is missing, failed, returned other columns or
    types, or was blocked by another's problem; the message lists each cause once, one per line, and the
    blocked statements in one line.

    :param report: the report of :class:`CrmCheckAdapterOperator` (templated; an XComArg).
    """

    template_fields: Sequence[str] = ("report",)
    ui_color = "#e8f1fb"

    def __init__(self, *, report: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = report

    def execute(self, context: Any) -> dict[str, Any]:
        reports = [StatementReport(s["name"], Verdict(s["verdict"]), tuple(s["problems"])) for s in self.report["statements"]]
        if not self.report["ok"]:
            raise AirflowFailException(failure_message(reports))
        checked = sum(1 for report in reports if report.verdict is Verdict.OK)
        self.log.info("The CRM adapter fits the CRM: %d statement(s) checked", checked)
        return {"ok": True, "statements_ok": checked}
