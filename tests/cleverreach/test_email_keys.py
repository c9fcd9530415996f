"""The one e-mail key of sync, erasure and history (IDNA 2008, ``cleverreach.email_keys``; column-wise in
``cleverreach.sync.keys``), and the spellings an erasure searches for."""

from __future__ import annotations

import pandas as pd
import pytest

from cleverreach.erasure.request import ErasureRequest, addresses_to_erase, matching_spellings, spellings_to_search
from cleverreach.email_keys import email_key, email_spellings
from cleverreach.sync.keys import email_keys

CASES = [
    ("anna@straße.de", "anna@xn--strae-oqa.de"),  # IDNA 2008 keeps the ß (IDNA 2003 made it strasse.de)
    ("  Jürgen@Bücher.example ", "jürgen@xn--bcher-kva.example"),
    ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
    ("x@BÜCHER.example", "x@xn--bcher-kva.example"),
]


@pytest.mark.parametrize(("address", "key"), CASES)
def test_idn_email_key_is_idna_2008_one_by_one_and_column_wise(address, key):
    assert email_key(address) == key
    assert email_keys(pd.Series([address, None])).tolist() == [key, ""]


def test_idn_email_spellings_are_as_written_punycode_and_unicode():
    assert email_spellings("anna@straße.de") == {"anna@straße.de", "anna@xn--strae-oqa.de"}
    assert email_spellings(" Jürgen@Bücher.example") == {
        "Jürgen@Bücher.example", "jürgen@xn--bcher-kva.example", "jürgen@bücher.example"}
    assert email_spellings("x@xn--bcher-kva.example") == {"x@xn--bcher-kva.example", "x@bücher.example"}
    assert email_spellings("  ") == set() and email_spellings(None) == set()


def test_idn_erasure_keys_are_the_sync_keys():
    """The erasure once keyed with Python's IDNA 2003 codec: anna@straße.de became anna@strasse.de and was
    never found under the sync's key."""
    request = ErasureRequest.from_arguments("acme", [], ["anna@straße.de"])
    assert addresses_to_erase(request, {"1": "Jürgen@Bücher.example"}, ["x@xn--bcher-kva.example", None]) == {
        "anna@xn--strae-oqa.de", "jürgen@xn--bcher-kva.example", "x@xn--bcher-kva.example"}
    assert spellings_to_search(["x@xn--bcher-kva.example"]) == {"x@xn--bcher-kva.example", "x@bücher.example"}
    stored = ["JÜRGEN@Bücher.example", "jürgen@xn--bcher-kva.example", "anna@strasse.de", None]
    assert matching_spellings(stored, {"jürgen@xn--bcher-kva.example", "anna@xn--strae-oqa.de"}) == {
        "JÜRGEN@Bücher.example", "jürgen@xn--bcher-kva.example"}


def test_folded_key_is_idna_2003_from_either_spelling_and_no_identity():
    """A service that folds IDN domains (IDNA 2003, PHP's idn_to_ascii) stores anna@straße.de as anna@strasse.de:
    the folded key links the two only where something else vouches for it; the key still tells them apart."""
    from cleverreach.email_keys import folded_email_key

    assert {folded_email_key(a) for a in ("anna@straße.de", "ANNA@xn--strae-oqa.de", "anna@strasse.de")} == {
        "anna@strasse.de"}
    assert folded_email_key("Jürgen@Bücher.example") == "jürgen@xn--bcher-kva.example"  # no ß: as the key
    assert folded_email_key("a@example.org") == "a@example.org"
    assert email_key("anna@straße.de") != email_key("anna@strasse.de")
