"""Verdicts of the adapter check (pure): does what a statement returned match the manifest?

Types are judged from the driver's type of a column where it reports one (PostgreSQL), else from the
values (SQLite reports none and hands back timestamps as text and booleans as 0/1). A key column is held
to the type the adapter declares (``adapter.toml``): a UUID column where it declares integer is a mismatch,
and so is an integer column declared uuid. Values never leave this module: a verdict names columns and
types, never data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from cleverreach.crm.keys import AdapterKeys, KeyType
from cleverreach.crm_check.contract import ColumnType, Statement


class Verdict(StrEnum):
    """What the check found for one statement."""

    OK = "ok"
    MISSING = "missing"  # no file in the adapter folder (for this dialect)
    FAILED = "failed"  # the database refused the statement
    MISMATCH = "mismatch"  # it ran, but columns or their types differ from the manifest
    BLOCKED = "blocked"  # not run: it needs what another statement, which has a problem, should have given
    SKIPPED = "skipped"  # not for this dialect, or nothing to run it for
    UNKNOWN = "unknown"  # a file in the adapter folder that the manifest does not know (not used)

    @property
    def is_problem(self) -> bool:
        """Whether it fails the check (a blocked statement does, though its cause is reported elsewhere)."""
        return self in (Verdict.MISSING, Verdict.FAILED, Verdict.MISMATCH, Verdict.BLOCKED)

    @property
    def is_error(self) -> bool:
        """A problem of its own (not one that another statement's problem caused)."""
        return self.is_problem and self is not Verdict.BLOCKED


# PostgreSQL type OIDs (pg_type) as the psycopg2 cursor reports them
_PG_TYPES: dict[int, ColumnType] = {
    16: ColumnType.BOOLEAN,
    20: ColumnType.INTEGER, 21: ColumnType.INTEGER, 23: ColumnType.INTEGER, 26: ColumnType.INTEGER,
    25: ColumnType.TEXT, 1042: ColumnType.TEXT, 1043: ColumnType.TEXT, 19: ColumnType.TEXT,
    1114: ColumnType.TIMESTAMP, 1184: ColumnType.TIMESTAMP,
}
# ... and what a key column may be: int2/int4/int8 and a numeric without fraction (a bigint-sized group id
# kept as numeric(20)), text types, uuid
_PG_KEY_TYPES: dict[int, KeyType] = {
    20: KeyType.INTEGER, 21: KeyType.INTEGER, 23: KeyType.INTEGER, 1700: KeyType.INTEGER,
    25: KeyType.TEXT, 1042: KeyType.TEXT, 1043: KeyType.TEXT, 19: KeyType.TEXT,
    2950: KeyType.UUID,
}
_PG_TYPE_NAMES: dict[int, str] = {16: "boolean", 1082: "date", 1700: "numeric", 2950: "uuid", 700: "real",
                                  701: "double precision", 17: "bytea", 114: "json", 3802: "jsonb"}


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


def key_type_of_code(type_code: Any) -> KeyType | str | None:
    """What a key column is by the driver's type code: a key type, the name of another type, or None (SQLite)."""
    if not isinstance(type_code, int):
        return None
    return _PG_KEY_TYPES.get(type_code) or _PG_TYPE_NAMES.get(type_code) or (
        str(_PG_TYPES[type_code]) if type_code in _PG_TYPES else f"type oid {type_code}")


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


def key_fits(expected: KeyType, value: Any) -> bool:
    """Whether a non-NULL value can be a key of the declared type: SQLite hands a UUID back as text that
    parses as one (psycopg2 as text, or ``uuid.UUID`` where registered)."""
    if expected is KeyType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is KeyType.UUID:
        if isinstance(value, uuid.UUID):
            return True
        if not isinstance(value, str):
            return False
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    return isinstance(value, str)


def _value_kind(value: Any) -> str:
    if isinstance(value, str):
        try:
            uuid.UUID(value)
        except ValueError:
            return "str"
        return "uuid text"
    return type(value).__name__


def column_problems(columns: Mapping[str, ColumnType], observed: Observed, keys: AdapterKeys) -> list[str]:
    """Every missing column and every column of the wrong type (a key's type is the adapter's declaration)."""
    problems: list[str] = []
    found = set(observed.columns)
    for column, expected in columns.items():
        if column not in found:
            problems.append(f"column {column!r} is missing")
            continue
        values = [value for value in observed.values.get(column, ()) if value is not None]
        code = observed.type_codes.get(column)
        if expected.is_key:
            declared = expected.key_type(keys)
            wanted = f"{expected} {declared} (adapter.toml [keys])"
            reported = key_type_of_code(code)
            if reported is not None:
                if reported != declared:
                    problems.append(f"column {column!r} is {reported}, expected {wanted}")
                continue
            wrong = {_value_kind(value) for value in values if not key_fits(declared, value)}
            if wrong:
                problems.append(f"column {column!r} holds {', '.join(sorted(wrong))} values, expected {wanted}")
            continue
        reported_type = type_of_code(code)
        if reported_type is not None:
            if reported_type is not expected:
                problems.append(f"column {column!r} is {reported_type}, expected {expected}")
            continue
        if isinstance(code, int):  # a type the manifest has no word for (numeric, uuid, json ...)
            problems.append(f"column {column!r} is {key_type_of_code(code)}, expected {expected}")
            continue
        wrong = {type(value).__name__ for value in values if not value_fits(expected, value)}
        if wrong:
            problems.append(f"column {column!r} holds {', '.join(sorted(wrong))} values, expected {expected}")
    return problems


def judge(statement: Statement, observed: Observed, keys: AdapterKeys = AdapterKeys()) -> StatementReport:
    """OK, or MISMATCH with every missing column and every column of the wrong type."""
    problems = column_problems(statement.columns, observed, keys)
    if not statement.columns and observed.columns:
        problems.append(f"returns columns ({', '.join(observed.columns)}), expected no result")
    return StatementReport(statement.name, Verdict.MISMATCH if problems else Verdict.OK, tuple(problems))


def error_text(error: BaseException) -> str:
    """An error's class and first line (a driver error's bound values are on later lines: hidden)."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0][:300]
    return f"{type(cause).__name__}: {first_line}"


def blocked(statement: Statement, needs: str, root: str, root_verdict: str) -> StatementReport:
    """Not run: it needs what ``root`` should have given, and ``root`` has a problem (reported there, once)."""
    return StatementReport(statement.name, Verdict.BLOCKED, (f"needs {needs}; {root} {root_verdict}",))


def failed(statement: Statement, error: BaseException, context: str = "") -> StatementReport:
    """The database refused the statement: its error class and first line (bound values are hidden);
    ``context`` says what the integration had appended to it."""
    return StatementReport(statement.name, Verdict.FAILED, (f"{context}{error_text(error)}",))


def missing(statement: Statement, error: BaseException) -> StatementReport:
    return StatementReport(statement.name, Verdict.MISSING, (str(error)[:300],))


def unknown_files(names: Iterable[str], known: Iterable[str]) -> list[StatementReport]:
    """Files of the adapter folder that no entry names: reported, not failed (nothing reads them)."""
    return [StatementReport(name, Verdict.UNKNOWN, ("not in the manifest; the integration never runs it",))
            for name in sorted(set(names) - set(known))]


def problems_of(reports: Iterable[StatementReport]) -> list[StatementReport]:
    return [report for report in reports if report.verdict.is_problem]


def failure_message(reports: Sequence[StatementReport]) -> str:
    """The verdict task's message: every statement with a problem of its own, one line each; the statements
    they blocked in one line."""
    bad = [report for report in reports if report.verdict.is_error]
    lines = [f"{report.name}: {report.verdict}: {'; '.join(report.problems)}" for report in bad]
    held = [report.name for report in reports if report.verdict is Verdict.BLOCKED]
    if held:
        lines.append(f"blocked by them, not run: {len(held)} statement(s): {', '.join(held)}")
    return f"The CRM adapter does not fit the CRM: {len(bad)} statement(s)\n" + "\n".join(lines)
