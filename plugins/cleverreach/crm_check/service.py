"""The adapter check: every statement of the manifest against the live CRM, then the counts per tenant.

One statement's failure never stops the others, so that a broken adapter folder is reported statement
by statement. The report holds names, verdicts, column names, types and counts, never a value of a row.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cleverreach.crm_check.contract import Access, SampleRef, Statement
from cleverreach.crm_check.manifest import STATEMENTS
from cleverreach.crm_check.store import AdapterCheckStore
from cleverreach.crm_check.verdicts import StatementReport, Verdict, failed, judge, missing, problems_of, unknown_files
from cleverreach.tenants.store import TenantStore


class AdapterCheck:
    """Checks the adapter folder in use (``[cleverreach] crm_adapter_dir`` or the defaults) for ``tenant_id``
    (None = every active tenant); the first tenant checked supplies the samples of the statements."""

    def __init__(self, store: AdapterCheckStore, tenant_id: str | None, *, logger: logging.Logger | None = None,
                 statements: tuple[Statement, ...] = STATEMENTS) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.log = logger or logging.getLogger(__name__)
        self.statements = statements

    def run(self) -> dict[str, Any]:
        tenant_ids = self._tenant_ids()
        samples = self.store.sample_values(tenant_ids[0] if tenant_ids else self.tenant_id)
        reports = [self.check(statement, samples) for statement in self.statements]
        reports += unknown_files(self.store.adapter_names(), (s.name for s in self.statements))
        for report in reports:
            log = self.log.warning if report.verdict.is_problem else self.log.info
            log("Statement %s: %s%s", report.name, report.verdict, f" ({'; '.join(report.problems)})" if report.problems else "")
        counts: dict[str, Any] = {}
        for tenant_id in tenant_ids:
            try:
                counts[tenant_id] = self.store.tenant_counts(tenant_id)
            except SQLAlchemyError as exc:
                counts[tenant_id] = {"error": type(getattr(exc, "orig", None) or exc).__name__}
            self.log.info("Tenant %s: %s", tenant_id, counts[tenant_id])
        problems = problems_of(reports)
        return {
            "dialect": self.store.dialect,
            "ok": not problems,
            "problems": len(problems),
            "statements": [report.as_dict() for report in reports],
            "tenants": counts,
        }

    def check(self, statement: Statement, samples: dict[Any, Any]) -> StatementReport:
        if not statement.runs_on(self.store.dialect):
            return StatementReport(statement.name, Verdict.SKIPPED, (f"only for {', '.join(statement.dialects)}",))
        if statement.access is Access.WRITE and statement.uses(SampleRef.CONTACT) and samples[SampleRef.CONTACT] is None:
            return StatementReport(statement.name, Verdict.SKIPPED, ("the tenant has no contact person to write for",))
        try:
            observed = self.store.run(statement, samples)
        except FileNotFoundError as exc:
            return missing(statement, exc)
        except (SQLAlchemyError, KeyError) as exc:
            return failed(statement, exc)
        return judge(statement, observed)

    def _tenant_ids(self) -> list[str]:
        """The tenants to count; none when ``select_tenants`` itself fails (its verdict says why). An unknown
        or inactive tenant named raises ``TenantNotFoundError``."""
        try:
            return [tenant.id for tenant in TenantStore(self.store.engine).tenants(self.tenant_id)]
        except (SQLAlchemyError, FileNotFoundError):
            return []
