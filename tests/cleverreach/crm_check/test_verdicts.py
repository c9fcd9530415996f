"""The adapter check's verdicts: columns and types judged from the driver's types or from the values."""

from __future__ import annotations

from datetime import datetime

import pytest

from cleverreach.crm.keys import AdapterKeys, KeyType
from cleverreach.crm_check.contract import Access, ColumnType, Statement, TableFamily
from cleverreach.crm_check.verdicts import (
    Observed,
    StatementReport,
    Verdict,
    blocked,
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


KEYED = Statement("history_select_lists", Access.READ, TableFamily.CRM_ENTITIES, "lists",
                  columns={"list_id": ColumnType.LIST_KEY, "external_id": ColumnType.GROUP_ID,
                           "contact_person_id": ColumnType.CONTACT_KEY})
UUID_TEXT = "0b5f8f4e-2a51-4d6c-9a43-5d2ab0c8e9f1"


@pytest.mark.parametrize(("keys", "codes", "expected"), [
    (AdapterKeys(), {"list_id": 23, "external_id": 25, "contact_person_id": 20}, ()),
    (AdapterKeys(group=KeyType.INTEGER), {"list_id": 23, "external_id": 20, "contact_person_id": 23}, ()),
    (AdapterKeys(group=KeyType.INTEGER), {"list_id": 23, "external_id": 1700, "contact_person_id": 23}, ()),
    (AdapterKeys(contact=KeyType.UUID), {"list_id": 23, "external_id": 25, "contact_person_id": 2950}, ()),
    (AdapterKeys(), {"list_id": 23, "external_id": 25, "contact_person_id": 2950},
     ("column 'contact_person_id' is uuid, expected contact key integer (adapter.toml [keys])",)),
    (AdapterKeys(contact=KeyType.UUID), {"list_id": 23, "external_id": 25, "contact_person_id": 23},
     ("column 'contact_person_id' is integer, expected contact key uuid (adapter.toml [keys])",)),
    (AdapterKeys(), {"list_id": 23, "external_id": 20, "contact_person_id": 23},
     ("column 'external_id' is integer, expected group id text (adapter.toml [keys])",)),
    (AdapterKeys(list=KeyType.TEXT), {"list_id": 16, "external_id": 25, "contact_person_id": 23},
     ("column 'list_id' is boolean, expected list key text (adapter.toml [keys])",)),
])
def test_a_key_column_is_held_to_the_declared_type_by_the_drivers_type(keys, codes, expected):
    observed = Observed(tuple(codes), codes, {})
    assert judge(KEYED, observed, keys).problems == expected


@pytest.mark.parametrize(("keys", "contact", "expected"), [
    (AdapterKeys(contact=KeyType.UUID), UUID_TEXT, ()),
    (AdapterKeys(contact=KeyType.TEXT), UUID_TEXT, ()),
    (AdapterKeys(), 7, ()),
    (AdapterKeys(), UUID_TEXT, ("column 'contact_person_id' holds uuid text values, expected contact key integer "
                                "(adapter.toml [keys])",)),
    (AdapterKeys(contact=KeyType.UUID), 7, ("column 'contact_person_id' holds int values, expected contact key uuid "
                                            "(adapter.toml [keys])",)),
    (AdapterKeys(contact=KeyType.UUID), "C-7", ("column 'contact_person_id' holds str values, expected contact key "
                                                "uuid (adapter.toml [keys])",)),
])
def test_sqlite_key_values_are_judged_against_the_declaration(keys, contact, expected):
    observed = Observed(("list_id", "external_id", "contact_person_id"), {},
                        {"list_id": [1], "external_id": ["1001"], "contact_person_id": [contact, None]})
    assert judge(KEYED, observed, keys).problems == expected


def test_blocked_fails_the_check_but_the_message_lists_the_cause_once():
    held = [blocked(WRITE, "a list of the tenant", "insert_recipient_list", "failed"),
            blocked(MEMBERS, "a list of the tenant", "insert_recipient_list", "failed")]
    assert held[0].problems == ("needs a list of the tenant; insert_recipient_list failed",)
    assert held[0].verdict.is_problem and not held[0].verdict.is_error
    root = failed(Statement("insert_recipient_list", Access.WRITE, TableFamily.CRM_ENTITIES, "insert"),
                  RuntimeError("no such table: verteiler"))
    assert failure_message([root, *held]).splitlines() == [
        "The CRM adapter does not fit the CRM: 1 statement(s)",
        "insert_recipient_list: failed: RuntimeError: no such table: verteiler",
        "blocked by them, not run: 2 statement(s): members_delete, sync_select_members",
    ]
