"""The adapter check: every statement of the manifest against the live CRM, then the counts per tenant.

One statement's failure never stops the others, so that a broken adapter folder is reported statement
by statement. The report holds names, verdicts, column names, types and counts, never a value of a row.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cleverreach.crm.keys import AdapterKeys, InvalidKeyError, adapter_keys
from cleverreach.crm_check.contract import Access, SampleRef, Statement
from cleverreach.crm_check.manifest import STATEMENTS
from cleverreach.crm_check.store import AdapterCheckStore, Blocker, Samples, StepError
from cleverreach.crm_check.verdicts import (
    StatementReport,
    Verdict,
    blocked,
    column_problems,
    failed,
    judge,
    missing,
    unknown_files,
)
from cleverreach.tenants.store import TenantStore


class AdapterCheck:
    """Checks the adapter folder in use (``[cleverreach] crm_adapter_dir`` or the defaults) for ``tenant_id``
    (None = every active tenant); the first tenant checked supplies the samples of the statements.

    A statement that cannot run without another one (its sample's statement, the scratch list's insert, a
    ``prepare`` statement) is ``blocked`` when that one has a problem: the cause is reported once, on the
    statement that has it, and the blocked ones name it."""

    def __init__(self, store: AdapterCheckStore, tenant_id: str | None, *, logger: logging.Logger | None = None,
                 statements: tuple[Statement, ...] = STATEMENTS, keys: AdapterKeys | None = None) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.log = logger or logging.getLogger(__name__)
        self.statements = statements
        self.keys = keys

    def run(self) -> dict[str, Any]:
        keys = self.keys or adapter_keys()
        tenant_ids, tenants_failed = self._tenant_ids()
        samples = self.store.sample_values(tenant_ids[0] if tenant_ids else self.tenant_id, keys,
                                           tenant_blocker=Blocker("select_tenants", "failed") if tenants_failed else None)
        found: dict[str, StatementReport] = {}
        for statement in sorted(self.statements, key=lambda s: s.name not in self._prepared):
            found[statement.name] = self.check(statement, samples, found)
        reports = [found[statement.name] for statement in self.statements]
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
        return {
            "dialect": self.store.dialect,
            "ok": not any(report.verdict.is_problem for report in reports),
            "problems": sum(1 for report in reports if report.verdict.is_error),
            "blocked": sum(1 for report in reports if report.verdict is Verdict.BLOCKED),
            "keys": {"contact": str(keys.contact), "list": str(keys.list), "group": str(keys.group)},
            "statements": [report.as_dict() for report in reports],
            "tenants": counts,
        }

    @property
    def _prepared(self) -> set[str]:
        return {name for statement in self.statements for name in statement.prepare}

    def check(self, statement: Statement, samples: Samples, found: dict[str, StatementReport]) -> StatementReport:
        if not statement.runs_on(self.store.dialect):
            return StatementReport(statement.name, Verdict.SKIPPED, (f"only for {', '.join(statement.dialects)}",))
        if (held := self._blocked(statement, samples, found)) is not None:
            return held
        if statement.access is Access.WRITE and statement.uses(SampleRef.CONTACT) and samples.values.get(SampleRef.CONTACT) is None:
            return StatementReport(statement.name, Verdict.SKIPPED, ("the tenant has no contact person to write for",))
        try:
            ran = self.store.run(statement, samples)
        except FileNotFoundError as exc:
            return missing(statement, exc)
        except StepError as exc:
            return failed(statement, exc.cause, exc.context)
        except (SQLAlchemyError, KeyError, InvalidKeyError) as exc:
            return failed(statement, exc)
        report = judge(statement, ran.observed, samples.keys)
        problems = list(report.problems)
        if statement.creates is not None and ran.table is not None:
            problems += [f"table {statement.creates.name}: {problem}"
                         for problem in column_problems(statement.creates.columns, ran.table, samples.keys)]
        refused = self.store.run_extensions(statement, samples) if statement.extensions else []
        if refused:
            return StatementReport(statement.name, Verdict.FAILED, (*problems, *refused))
        return StatementReport(statement.name, Verdict.MISMATCH if problems else Verdict.OK, tuple(problems))

    def _blocked(self, statement: Statement, samples: Samples, found: dict[str, StatementReport]) -> StatementReport | None:
        """Blocked by a sample that its statement could not give, or by a ``prepare`` statement with a problem."""
        for ref in SampleRef:
            blocker = samples.blockers.get(ref)
            if blocker is not None and blocker.root != statement.name and statement.uses(ref):
                return blocked(statement, str(ref), blocker.root, blocker.what)
        by_name = {s.name: s for s in self.statements}
        for name in statement.prepare:
            report = found.get(name)
            if report is not None and report.verdict.is_problem:
                made = by_name[name].creates if name in by_name else None
                needs = f"the table {made.name}" if made is not None else f"what {name} makes"
                return blocked(statement, needs, name, str(report.verdict))
        return None

    def _tenant_ids(self) -> tuple[list[str], bool]:
        """The tenants to count, and whether ``select_tenants`` itself failed (its verdict says why; the
        statements that need a tenant are blocked). An unknown or inactive tenant named raises
        ``TenantNotFoundError``."""
        try:
            return [tenant.id for tenant in TenantStore(self.store.engine).tenants(self.tenant_id)], False
        except (SQLAlchemyError, FileNotFoundError):
            return [], True
