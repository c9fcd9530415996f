"""The adapter check's verdicts: columns and types judged from the driver's types or from the values."""

from __future__ import annotations

from datetime import datetime

import pytest

from cleverreach.crm_check.contract import Access, ColumnType, Statement, TableFamily
from cleverreach.crm_check.verdicts import (
    Observed,
    StatementReport,
    Verdict,
    failed,
    failure_message,
    judge,
    unknown_files,
    value_fits,
)

MEMBERS = Statement("sync_select_members", Access.READ, TableFamily.CRM_ENTITIES, "members",
                    columns={"contact_person_id": ColumnType.INTEGER, "email": ColumnType.TEXT,
                             "changed_at": ColumnType.TIMESTAMP, "no_marketing": ColumnType.BOOLEAN})
WRITE = Statement("members_delete", Access.WRITE, TableFamily.CRM_ENTITIES, "delete")


@pytest.mark.parametrize(("expected", "value", "fits"), [
    (ColumnType.INTEGER, 7, True), (ColumnType.INTEGER, True, False), (ColumnType.INTEGER, "7", False),
    (ColumnType.BOOLEAN, False, True), (ColumnType.BOOLEAN, 1, True), (ColumnType.BOOLEAN, 2, False),
    (ColumnType.TIMESTAMP, datetime(2026, 1, 1), True), (ColumnType.TIMESTAMP, "2026-01-01 10:00:00.000000", True),
    (ColumnType.TIMESTAMP, "yesterday", False), (ColumnType.TEXT, "x", True), (ColumnType.TEXT, 3, False),
])
def test_value_fits_as_either_dialect_returns_it(expected, value, fits):
    assert value_fits(expected, value) is fits


def test_sqlite_values_that_fit_are_ok_and_nulls_always_fit():
    observed = Observed(("contact_person_id", "email", "changed_at", "no_marketing"), {},
                        {"contact_person_id": [1, 2], "email": ["a@b.example", None],
                         "changed_at": ["2026-01-01 10:00:00", None], "no_marketing": [0, 1]})
    assert judge(MEMBERS, observed) == StatementReport("sync_select_members", Verdict.OK)


def test_a_renamed_column_and_a_wrong_driver_type_are_each_named():
    observed = Observed(("contact_person_id", "mail", "changed_at", "no_marketing"),
                        {"contact_person_id": 25, "changed_at": 1114, "no_marketing": 16}, {})
    report = judge(MEMBERS, observed)
    assert report.verdict is Verdict.MISMATCH
    assert report.problems == ("column 'contact_person_id' is text, expected integer", "column 'email' is missing")


def test_the_driver_type_wins_over_values_and_values_judge_untyped_columns():
    observed = Observed(("contact_person_id", "email", "changed_at", "no_marketing"),
                        {"contact_person_id": 23, "email": None}, {"email": [5], "changed_at": ["soon"]})
    assert judge(MEMBERS, observed).problems == ("column 'email' holds int values, expected text",
                                                 "column 'changed_at' holds str values, expected timestamp")


def test_a_write_must_not_return_rows():
    assert judge(WRITE, Observed(())).verdict is Verdict.OK
    assert judge(WRITE, Observed(("id",))).verdict is Verdict.MISMATCH


def test_a_failure_names_the_error_class_and_first_line_only():
    class OperationalError(Exception):
        pass

    report = failed(WRITE, OperationalError("no such table: mitglied\nSQL: DELETE ..."))
    assert report.problems == ("OperationalError: no such table: mitglied",)
    assert report.verdict.is_problem


def test_unknown_files_are_reported_but_are_no_problem_and_the_message_lists_problems_only():
    extra = unknown_files({"my_report", "members_delete"}, {"members_delete"})
    assert [(r.name, r.verdict) for r in extra] == [("my_report", Verdict.UNKNOWN)]
    message = failure_message([*extra, failed(WRITE, RuntimeError("boom")), StatementReport("x", Verdict.SKIPPED)])
    assert message.splitlines() == ["The CRM adapter does not fit the CRM: 1 statement(s)",
                                    "members_delete: failed: RuntimeError: boom"]
