"""Verdicts of the adapter check (pure): does what a statement returned match the manifest?

Types are judged from the driver's type of a column where it reports one (PostgreSQL), else from the
values (SQLite reports none and hands back timestamps as text and booleans as 0/1). Values never
leave this module: a verdict names columns and types, never data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from cleverreach.crm_check.contract import ColumnType, Statement


class Verdict(StrEnum):
    """What the check found for one statement."""

    OK = "ok"
    MISSING = "missing"  # no file in the adapter folder (for this dialect)
    FAILED = "failed"  # the database refused the statement
    MISMATCH = "mismatch"  # it ran, but columns or their types differ from the manifest
    SKIPPED = "skipped"  # not for this dialect
    UNKNOWN = "unknown"  # a file in the adapter folder that the manifest does not know (not used)

    @property
    def is_problem(self) -> bool:
        return self in (Verdict.MISSING, Verdict.FAILED, Verdict.MISMATCH)


# PostgreSQL type OIDs (pg_type) as the psycopg2 cursor reports them
_PG_TYPES: dict[int, ColumnType] = {
    16: ColumnType.BOOLEAN,
    20: ColumnType.INTEGER, 21: ColumnType.INTEGER, 23: ColumnType.INTEGER, 26: ColumnType.INTEGER,
    25: ColumnType.TEXT, 1042: ColumnType.TEXT, 1043: ColumnType.TEXT, 19: ColumnType.TEXT,
    1114: ColumnType.TIMESTAMP, 1184: ColumnType.TIMESTAMP,
}


@dataclass(frozen=True)
class Observed:
    """What one statement returned: its columns, the driver's type codes, and up to a page of values."""

    columns: tuple[str, ...]
    type_codes: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Sequence[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementReport:
    name: str
    verdict: Verdict
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": str(self.verdict), "problems": list(self.problems)}


def type_of_code(type_code: Any) -> ColumnType | None:
    """The manifest type of a driver type code, or None when the driver reports none (SQLite)."""
    return _PG_TYPES.get(type_code) if isinstance(type_code, int) else None


def value_fits(expected: ColumnType, value: Any) -> bool:
    """Whether a non-NULL value can be the expected type, as either dialect hands it back."""
    if expected is ColumnType.BOOLEAN:
        return isinstance(value, bool) or (isinstance(value, int) and value in (0, 1))
    if expected is ColumnType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is ColumnType.TIMESTAMP:
        if isinstance(value, datetime | date):
            return True
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return False
            return True
        return False
    return isinstance(value, str)


def judge(statement: Statement, observed: Observed) -> StatementReport:
    """OK, or MISMATCH with every missing column and every column of the wrong type."""
    problems: list[str] = []
    found = set(observed.columns)
    for column, expected in statement.columns.items():
        if column not in found:
            problems.append(f"column {column!r} is missing")
            continue
        reported = type_of_code(observed.type_codes.get(column))
        if reported is not None:
            if reported is not expected:
                problems.append(f"column {column!r} is {reported}, expected {expected}")
            continue
        wrong = {type(value).__name__ for value in observed.values.get(column, ()) if value is not None
                 and not value_fits(expected, value)}
        if wrong:
            problems.append(f"column {column!r} holds {', '.join(sorted(wrong))} values, expected {expected}")
    if not statement.columns and observed.columns:
        problems.append(f"returns columns ({', '.join(observed.columns)}), expected no result")
    return StatementReport(statement.name, Verdict.MISMATCH if problems else Verdict.OK, tuple(problems))


def failed(statement: Statement, error: BaseException) -> StatementReport:
    """The database refused the statement: its error class and first line (bound values are hidden)."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0][:300]
    return StatementReport(statement.name, Verdict.FAILED, (f"{type(cause).__name__}: {first_line}",))


def missing(statement: Statement, error: BaseException) -> StatementReport:
    return StatementReport(statement.name, Verdict.MISSING, (str(error)[:300],))


def unknown_files(names: Iterable[str], known: Iterable[str]) -> list[StatementReport]:
    """Files of the adapter folder that no entry names: reported, not failed (nothing reads them)."""
    return [StatementReport(name, Verdict.UNKNOWN, ("not in the manifest; the integration never runs it",))
            for name in sorted(set(names) - set(known))]


def problems_of(reports: Iterable[StatementReport]) -> list[StatementReport]:
    return [report for report in reports if report.verdict.is_problem]


def failure_message(reports: Sequence[StatementReport]) -> str:
    """The verdict task's message: every statement with a problem, one line each."""
    bad = problems_of(reports)
    lines = [f"{report.name}: {report.verdict}: {'; '.join(report.problems)}" for report in bad]
    return f"The CRM adapter does not fit the CRM: {len(bad)} statement(s)\n" + "\n".join(lines)
