"""The verdicts from observations alone: holds, differs (saying what was seen), could not check (saying why)."""

from __future__ import annotations

import pytest

from cleverreach.api_check.assumptions import ASSUMPTIONS, Check, judge, judge_all
from cleverreach.api_check.observations import (
    ActivatedZeroSeen,
    AttributeScopeSeen,
    AttributesSeen,
    ClicksSeen,
    DeactivateSeen,
    DeletedGroupSeen,
    DeleteSeen,
    InsertSeen,
    LimitSeen,
    NotObserved,
    Observations,
    PageSizeSeen,
    PagingSeen,
    ReceiverState,
    RefusalSeen,
    ReportPageSeen,
    UpsertSeen,
    ValidateSeen,
    WindowSeen,
)
from cleverreach.enums import CheckVerdict

HOLDS, DIFFERS, UNCHECKED = CheckVerdict.HOLDS, CheckVerdict.DIFFERS, CheckVerdict.COULD_NOT_CHECK
ACTIVE = ReceiverState(100, 0, 0)
PENDING = ReceiverState(0, 0, 0)
DEACTIVATED = ReceiverState(100, 200, 0)
BY_CHECK = {a.check: a for a in ASSUMPTIONS}


def verdict(check: Check, observation) -> tuple[CheckVerdict, str]:
    row = judge(BY_CHECK[check], observation)
    return row.result, row.seen


def pages(*sizes: int, start: int = 1) -> tuple[tuple[str, ...], ...]:
    out, n = [], start
    for size in sizes:
        out.append(tuple(str(i) for i in range(n, n + size)))
        n += size
    return tuple(out)


def test_the_catalogue_covers_every_check_once_in_order():
    assert [a.check for a in ASSUMPTIONS] == list(Check)


@pytest.mark.parametrize(
    ("check", "observation", "expected"),
    [
        (Check.TOKEN_VALIDATE, ValidateSeen(True), HOLDS),
        (Check.TOKEN_VALIDATE, ValidateSeen({"error": "x"}), DIFFERS),
        (Check.GLOBAL_ATTRIBUTES, AttributesSeen("ext_id", True, False, True), HOLDS),
        (Check.GLOBAL_ATTRIBUTES, AttributesSeen("ext_id", True, False, False), DIFFERS),
        (Check.GLOBAL_ATTRIBUTES, AttributesSeen("ext_id", False, False, False), DIFFERS),
        (Check.INSERT_WITHOUT_ACTIVATED, InsertSeen("insert success", ACTIVE), HOLDS),
        (Check.INSERT_WITHOUT_ACTIVATED, InsertSeen("insert success", PENDING), DIFFERS),
        (Check.INSERT_WITHOUT_ACTIVATED, InsertSeen("invalid address", None), DIFFERS),
        (Check.INSERT_ACTIVATED_ZERO, InsertSeen("insert success", PENDING), HOLDS),
        (Check.INSERT_ACTIVATED_ZERO, InsertSeen("insert success", ACTIVE), DIFFERS),
        (Check.UPSERT_EXISTING, UpsertSeen("update success", "v2", "v2"), HOLDS),
        (Check.UPSERT_EXISTING, UpsertSeen("insert success", "v2", "v2"), DIFFERS),
        (Check.UPSERT_EXISTING, UpsertSeen("update success", "v2", "v1"), DIFFERS),
        (Check.PER_ITEM_REFUSAL, RefusalSeen(2, 1, (True, False), None, True), HOLDS),
        (Check.PER_ITEM_REFUSAL, RefusalSeen(2, 1, None, "HTTP 400", False), DIFFERS),
        (Check.PER_ITEM_REFUSAL, RefusalSeen(2, 1, (True,), None, True), DIFFERS),
        (Check.PER_ITEM_REFUSAL, RefusalSeen(2, 1, (True, True), None, True), DIFFERS),
        (Check.PER_ITEM_REFUSAL, RefusalSeen(2, 1, (True, False), None, False), DIFFERS),
        (Check.PAGING_ORDER_BY, PagingSeen(5, "id ASC", pages(5, 5, 2, 0), frozenset(map(str, range(1, 13)))), HOLDS),
        (Check.PAGING_ORDER_BY, PagingSeen(5, "id ASC", pages(5, 4, 3, 0), frozenset(map(str, range(1, 13)))), DIFFERS),
        (Check.PAGING_ORDER_BY, PagingSeen(5, "id ASC", pages(5, 5, 0), frozenset(map(str, range(1, 13)))), DIFFERS),
        (Check.PAGING_ORDER_BY, PagingSeen(5, "id ASC", (("2", "1"),), frozenset({"1", "2"})), UNCHECKED),
        (Check.PAGE_SIZE_HONOURED, PageSizeSeen(5000, 32, 32), HOLDS),
        (Check.PAGE_SIZE_HONOURED, PageSizeSeen(5000, 32, 25), DIFFERS),
        (Check.PAGE_SIZE_HONOURED, PageSizeSeen(5000, 1, 1), UNCHECKED),
        (Check.DEACTIVATE_PUT, DeactivateSeen(True, ACTIVE, DEACTIVATED), HOLDS),
        (Check.DEACTIVATE_PUT, DeactivateSeen(True, ACTIVE, ACTIVE), DIFFERS),
        (Check.DEACTIVATE_PUT, DeactivateSeen(True, PENDING, DEACTIVATED), UNCHECKED),
        (Check.ACTIVATED_ZERO_EXISTING, ActivatedZeroSeen("update success", ACTIVE, DEACTIVATED), HOLDS),
        (Check.ACTIVATED_ZERO_EXISTING, ActivatedZeroSeen("update success", ACTIVE, ACTIVE), DIFFERS),
        (Check.ACTIVATED_ZERO_EXISTING, ActivatedZeroSeen("update success", ACTIVE, PENDING), DIFFERS),
        (Check.DELETE_BY_ID, DeleteSeen(True, "success", False), HOLDS),
        (Check.DELETE_BY_ID, DeleteSeen(True, "success", True), DIFFERS),
        (Check.DELETE_BY_EMAIL, DeleteSeen(False, "not found '<email>'", True), HOLDS),
        (Check.DELETE_BY_EMAIL, DeleteSeen(None, "HTTP 400", True), HOLDS),
        (Check.DELETE_BY_EMAIL, DeleteSeen(True, "success", False), DIFFERS),
        (Check.GLOBAL_ATTRIBUTE_SCOPE, AttributeScopeSeen("v", "v"), HOLDS),
        (Check.GLOBAL_ATTRIBUTE_SCOPE, AttributeScopeSeen("v", None), DIFFERS),
        (Check.GLOBAL_ATTRIBUTE_SCOPE, AttributeScopeSeen(None, None), UNCHECKED),
        (Check.DELETED_GROUP_RESPONSE, DeletedGroupSeen("404"), HOLDS),
        (Check.DELETED_GROUP_RESPONSE, DeletedGroupSeen("200 []"), DIFFERS),
        (Check.MAILINGS_WINDOW, WindowSeen({"stamp": 1, "started": 5, "finished": 9}, frozenset({"stamp"})), HOLDS),
        (Check.MAILINGS_WINDOW, WindowSeen({"stamp": 1, "started": 5, "finished": 9}, frozenset({"finished"})), DIFFERS),
        (Check.MAILINGS_WINDOW, WindowSeen({"stamp": 1, "started": 5, "finished": 9}, frozenset()), DIFFERS),
        (Check.MAILINGS_LIMIT, LimitSeen(1000, 116, 0), HOLDS),
        (Check.MAILINGS_LIMIT, LimitSeen(1000, 100, 16), DIFFERS),
        (Check.MAILINGS_LIMIT, LimitSeen(1000, 0, 0), UNCHECKED),
        (Check.REPORT_PAGE_SIZE, ReportPageSeen(250, 100, 100), HOLDS),
        (Check.REPORT_PAGE_SIZE, ReportPageSeen(40, 100, 40), HOLDS),
        (Check.REPORT_PAGE_SIZE, ReportPageSeen(40, 100, 25), DIFFERS),
        (Check.REPORT_PAGE_SIZE, ReportPageSeen(1, 100, 1), UNCHECKED),
        (Check.CLICKS_WITHOUT_LINKID, ClicksSeen(2, frozenset({"1", "2"}), frozenset({"1", "2"})), HOLDS),
        (Check.CLICKS_WITHOUT_LINKID, ClicksSeen(2, frozenset(), frozenset({"1", "2"})), DIFFERS),
        (Check.CLICKS_WITHOUT_LINKID, ClicksSeen(2, frozenset({"1"}), frozenset({"1", "2"})), DIFFERS),
        (Check.CLICKS_WITHOUT_LINKID, ClicksSeen(0, frozenset(), frozenset()), UNCHECKED),
    ],
)
def test_verdicts(check, observation, expected):
    assert verdict(check, observation)[0] is expected


def test_a_difference_says_what_was_seen():
    assert verdict(Check.INSERT_WITHOUT_ACTIVATED, InsertSeen("insert success", PENDING))[1] == (
        "created pending (activated=0, deactivated=0)"
    )
    assert verdict(Check.PAGE_SIZE_HONOURED, PageSizeSeen(5000, 32, 25))[1] == (
        "a page of 5000 held 25 of 32: pages are clamped to 25"
    )
    assert verdict(Check.ACTIVATED_ZERO_EXISTING, ActivatedZeroSeen("update success", ACTIVE, ACTIVE))[1].startswith("ignored")
    assert verdict(Check.DELETED_GROUP_RESPONSE, DeletedGroupSeen("200 []"))[1] == "answered 200 []"
    assert verdict(Check.MAILINGS_WINDOW, WindowSeen({}, frozenset({"started"})))[1] == "filters on started"


def test_paging_names_the_first_short_page_repeats_and_the_order():
    seen = PagingSeen(2, "registered asc", (("1", "2"), ("2",), ("4", "3"), ()), frozenset({"1", "2", "3", "4"}),
                      keys=(10, 10, 10, 12, 11))
    assert verdict(Check.PAGING_ORDER_BY, seen) == (
        DIFFERS, "page 1 held 1 of 2; 1 receivers on two pages; not in the order of 'registered asc'"
    )


@pytest.mark.parametrize(("order_by", "keys", "expected"), [
    ("registered asc", (1, 1, 2, 3), HOLDS),
    ("registered asc", (1, 3, 2, 3), DIFFERS),
    ("registered desc", (3, 2, 2, 1), HOLDS),
])
def test_paging_order_follows_the_direction_asked(order_by, keys, expected):
    seen = PagingSeen(2, order_by, (("1", "2"), ("3", "4"), ()), frozenset({"1", "2", "3", "4"}), keys=keys)
    assert verdict(Check.PAGING_ORDER_BY, seen)[0] is expected


def test_a_probe_that_did_not_run_or_failed_could_not_be_checked_and_says_why():
    observations = Observations()
    observations.record(Check.TOKEN_VALIDATE, ValidateSeen(True))
    observations.record(Check.DEACTIVATE_PUT, NotObserved("CleverReachServerError: HTTP 500"))
    rows = {row.check: row for row in judge_all(observations)}
    assert rows[Check.TOKEN_VALIDATE].result is HOLDS
    assert (rows[Check.DEACTIVATE_PUT].result, rows[Check.DEACTIVATE_PUT].seen) == (UNCHECKED, "CleverReachServerError: HTTP 500")
    assert (rows[Check.CLICKS_WITHOUT_LINKID].result, rows[Check.CLICKS_WITHOUT_LINKID].seen) == (UNCHECKED, "not run")


def test_missing_keeps_the_first_observation():
    observations = Observations()
    observations.record(Check.MAILINGS_LIMIT, LimitSeen(1000, 0, 0))
    observations.missing(Check.MAILINGS_LIMIT, "no finished mailing in the account")
    assert observations.get(Check.MAILINGS_LIMIT) == LimitSeen(1000, 0, 0)


def test_rows_as_dicts_have_the_table_columns_and_plain_strings():
    row = judge(BY_CHECK[Check.DELETED_GROUP_RESPONSE], DeletedGroupSeen("404"))
    assert row.as_dict() == {
        "check": "deleted_group_response",
        "assumption": "GET groups/{id} of a deleted group",
        "expected": "404",
        "result": "holds",
        "seen": "404",
    }
    assert all(type(v) is str for v in row.as_dict().values())


def test_receiver_state_from_the_api():
    assert ReceiverState.from_api({"activated": "0", "deactivated": 0, "bounced": None}).status == "pending"
    assert ReceiverState.from_api({"activated": 5, "deactivated": 0}).status == "active"
    assert ReceiverState.from_api({"activated": 5, "deactivated": 6}).status == "deactivated"
    assert ReceiverState.from_api({"activated": 5, "bounced": 7}).status == "bounced"
