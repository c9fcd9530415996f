"""The one e-mail check: syntax only (no DNS), the domain normalised, a reason for a refusal."""

from __future__ import annotations

import pytest

from cleverreach.email_validation import check_email


def test_a_valid_address_comes_back_normalised():
    assert check_email("Anna@Example.ORG") == ("Anna@example.org", None)


def test_an_international_domain_is_kept_in_unicode():
    address, reason = check_email("kunde@müller.example")
    assert reason is None and address == "kunde@müller.example"


def test_no_dns_lookup_is_made():
    """A domain nobody registered passes: deliverability is CleverReach's business, not the sync's."""
    assert check_email("someone@no-such-domain-for-the-check.example")[1] is None


@pytest.mark.parametrize("raw", ["", "no-at-sign", "two@@example.org", "a@", "@example.org", "a b@example.org"])
def test_an_invalid_address_has_a_reason_and_no_address(raw):
    address, reason = check_email(raw)
    assert address is None
    assert reason.startswith("invalid e-mail: ")
