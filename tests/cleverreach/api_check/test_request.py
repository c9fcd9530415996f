"""The run's inputs: validated before any request, and never repeated in a message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cleverreach.api_check.request import (
    CheckRequest,
    CheckRequestError,
    derived_address,
    scratch_group_name,
)
from cleverreach.email_validation import check_email


def test_addresses_are_normalised_and_keep_group_parsed():
    request = CheckRequest.parse([" Anna@Example.ORG ", "b@example.org"], "true")
    assert request == CheckRequest(("Anna@example.org", "b@example.org"), True)


@pytest.mark.parametrize(
    "text", ['["a@example.org", "b@example.org"]', "['a@example.org', 'b@example.org']", "a@example.org, b@example.org"]
)
def test_a_list_that_arrives_as_text_is_read(text):
    assert CheckRequest.parse(text).test_emails == ("a@example.org", "b@example.org")


@pytest.mark.parametrize(
    ("emails", "keep", "message"),
    [
        ([], False, "at least one"),
        (None, False, "must be a list"),
        ([f"u{i}@example.org" for i in range(11)], False, "at most 10"),
        (["secret-person@example.org", "no-at-sign"], False, "test_emails[1] is not a valid e-mail address"),
        (["x@example.org", "X@example.org"], False, "test_emails[1] repeats"),
        ([42], False, "test_emails[0] must be a text"),
        (["x@example.org"], "maybe", "keep_group must be true or false"),
    ],
)
def test_invalid_inputs_are_refused_without_repeating_an_address(emails, keep, message):
    with pytest.raises(CheckRequestError) as error:
        CheckRequest.parse(emails, keep)
    assert message in str(error.value)
    assert not any(str(e).strip() in str(error.value) for e in emails or [] if "@" in str(e))


def test_scratch_names_carry_the_utc_time():
    now = datetime(2026, 11, 29, 23, 43, 49, tzinfo=UTC)
    assert scratch_group_name(now) == "cleverreach-api-check-20261129T234349Z"
    assert scratch_group_name(now, "-2") == "cleverreach-api-check-20261129T234349Z-2"


def test_derived_addresses_are_plus_addresses_of_the_first_and_valid():
    address = derived_address("anna@example.org", "20261129T234349Z", "p01")
    assert address == "anna+crcheck-20261129t234349z-p01@example.org"
    long_local = "x" * 64
    derived = derived_address(f"{long_local}@example.org", "20261129T234349Z", "delmail")
    assert len(derived.split("@")[0]) == 64
    assert check_email(derived)[0] is not None
