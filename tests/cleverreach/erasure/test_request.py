"""The erasure request, pure: what it accepts, and which addresses it erases."""

from __future__ import annotations

import pytest

from cleverreach.erasure.request import (
    ErasureReport,
    ErasureRequest,
    ErasureRequestError,
    OwnedRow,
    addresses_to_erase,
    confirmed_gone,
)
from cleverreach.sync.keys import email_key


def test_email_keys_are_trimmed_lowered_and_ascii():
    assert email_key("  Anna@Example.ORG ") == "anna@example.org"
    assert email_key("anna@bücher.example") == "anna@xn--bcher-kva.example"
    assert email_key("") == "" and email_key(None) == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("", [1], []), "tenant is required"),
        (("acme", [], []), "at least one contact id or e-mail"),
        (("acme", "5", []), "contact_ids must be a list"),
        (("acme", [0], []), "positive integers or text"),
        (("acme", [True], []), "positive integers or text"),
        (("acme", [" "], []), "positive integers or text"),
        (("acme", [], ["kaputt", "ok@example.org"]), r"entries \[1\] are not valid"),
    ],
)
def test_bad_requests_are_refused_without_echoing_them(arguments, message):
    with pytest.raises(ErasureRequestError, match=message) as info:
        ErasureRequest.from_arguments(*arguments)
    assert "kaputt" not in str(info.value)


def test_addresses_to_erase_include_current_and_old_ones():
    request = ErasureRequest.from_arguments("acme", [5, 5], [" Given@Example.org"])
    assert request.contact_ids == ("5",)  # keys are text
    assert ErasureRequest.from_arguments("acme", [5_000_000_001, "A-17"], []).contact_ids == ("5000000001", "A-17")
    keys = addresses_to_erase(request, {"5": "NEW@example.org"}, ["old@example.org", None, "new@example.org"])
    assert keys == {"given@example.org", "new@example.org", "old@example.org"}


def test_the_report_holds_counts_only():
    report = ErasureReport("acme", contacts=1, addresses=2, receivers_found=3, receivers_deleted=2, receivers_failed=1)
    assert report.as_dict()["complete"] is False
    assert "@" not in str(report.as_dict())


def test_idn_ownership_rows_go_only_when_their_receiver_is_confirmed_gone():
    deleted = OwnedRow("1", "1001", "anna@xn--strae-oqa.de", "r1")
    still_there = OwnedRow("1", "1001", "ben@example.org", "r2")
    by_key_still_there = OwnedRow("2", "1002", "jürgen@xn--bcher-kva.example", None)
    group_gone = OwnedRow("3", "1009", "x@xn--bcher-kva.example", "r9")
    left = {("1001", "r2"), ("1001", "ben@example.org"), ("1002", "r7"), ("1002", "jürgen@xn--bcher-kva.example")}
    rows = [deleted, still_there, by_key_still_there, group_gone]
    assert confirmed_gone(rows, ["1001", "1002"], left) == [deleted, group_gone]
