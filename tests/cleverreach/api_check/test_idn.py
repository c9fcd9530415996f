"""The IDN probe's reading of a read-back address (pure): which spelling the account stored, said without the
address. The probe against the emulator's variants runs in tests/dags/test_idn_variants.py."""

from __future__ import annotations

import pytest

from cleverreach.api_check.idn import IDN_DOMAIN, idn_address, stored_as
from cleverreach.api_check.observations import IdnVariant
from cleverreach.email_keys import ascii_domain, folded_domain

WRITTEN = idn_address("Run7")


def test_the_made_up_address_is_unique_per_run_and_under_example():
    assert WRITTEN == f"crcheck-run7@{IDN_DOMAIN}"
    assert IDN_DOMAIN.endswith(".example")
    # the three readings differ, so the read-back spelling tells which one the account chose
    assert len({IDN_DOMAIN, ascii_domain(IDN_DOMAIN), folded_domain(IDN_DOMAIN)}) == 3


@pytest.mark.parametrize(("read_back", "variant", "words"), [
    (WRITTEN, None, "as written"),
    (f" CRCHECK-run7@{IDN_DOMAIN.capitalize()} ", None, "as written"),  # case and blanks do not count
    (f"crcheck-run7@{ascii_domain(IDN_DOMAIN)}", IdnVariant.PUNYCODE, "IDNA 2008 punycode"),
    (f"crcheck-run7@{folded_domain(IDN_DOMAIN)}", IdnVariant.IDNA2003, "IDNA 2003"),
    ("crcheck-run7@elsewhere.example", IdnVariant.OTHER, "neither"),
    (f"someone-else@{IDN_DOMAIN}", IdnVariant.OTHER, "another local part"),
])
def test_stored_as_names_the_spelling(read_back, variant, words):
    seen, detail = stored_as(read_back, WRITTEN)
    assert seen == variant and words in detail
    assert "crcheck" not in detail and "@" not in detail  # the address is never reported
