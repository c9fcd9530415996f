"""The dialog's pure rules: params, initial letters, search pattern, spellings, e-mail check, messages."""

from __future__ import annotations

import re

import pytest

from cleverreach.members.selection import (
    LETTERS,
    MemberChange,
    MemberSelection,
    SelectionError,
    contains_text,
    has_usable_email,
    id_problems,
    initial_letter,
    like_prefilter,
    resolve_spellings,
)


@pytest.mark.parametrize(
    ("name", "letter"),
    [
        ("Ärztehaus Mitte", "A"),
        ("ärztehaus", "A"),
        ("Öko-Bau", "O"),
        ("Übersee AG", "U"),
        ("ßtraße", "S"),
        ("émile & fils", "E"),
        ("1. FC Köln", "0-9"),
        ("08/15 GmbH", "0-9"),
        ("  leading spaces", "L"),
        ("„Zur Post“", "Z"),
        ("Ørsted", "O"),
        ("zeta", "Z"),
        ("Жуков", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_initial_letter(name, letter):
    assert initial_letter(name) == letter
    assert letter is None or letter in LETTERS


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """How a database reads ``LIKE pattern ESCAPE '\\'`` (for checking the pre-filter in pure tests)."""
    out, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars)))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def sqlite_lower(value: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in value)


def test_like_prefilter_takes_wildcards_literally_and_is_a_superset_on_both_dialects():
    assert like_prefilter("50%_a\\b") == "%50\\%\\_a\\\\b%"
    assert not like_to_regex(like_prefilter("50%")).fullmatch("500 club")
    assert like_to_regex(like_prefilter("50%")).fullmatch("only 50% off")
    for needle, value in [("ÄRZTE", "Ärztehaus"), ("ärzte", "ÄRZTEHAUS"), ("köln", "1. FC Köln"), ("a_b", "x A_B y")]:
        assert contains_text(needle, value)
        pattern = like_to_regex(like_prefilter(needle))
        assert pattern.fullmatch(sqlite_lower(value))  # SQLite folds ASCII only
        assert pattern.fullmatch(value.lower())  # PostgreSQL with a Unicode locale


def test_contains_text_ignores_case_and_none():
    assert contains_text("müller", None, "Bäckerei MÜLLER")
    assert not contains_text("a_b", "axb")
    assert not contains_text("x", None, None)


def test_resolve_spellings():
    assert resolve_spellings(" vip ", ["VIP", "Vip", "vip-plus", None, "Ärzte"]) == ("VIP", "Vip")
    assert resolve_spellings("ÄRZTE", ["Ärzte", "ärzte", "Aerzte"]) == ("Ärzte", "ärzte")
    assert resolve_spellings("none", ["VIP"]) == ()


@pytest.mark.parametrize(
    ("email", "usable"),
    [("anna@example.org", True), ("  anna@example.org ", True), (None, False), ("", False), ("   ", False),
     ("not-an-address", False), ("a@b", False), ("two@@example.org", False)],
)
def test_has_usable_email(email, usable):
    assert has_usable_email(email) is usable


def test_from_params_normalises_the_trigger_form():
    selection = MemberSelection.from_params({
        "tenant": " acme ".strip(), "list_id": 3, "action": "remove", "letter": "a", "tag": "  ", "category": " Kunde ",
        "sales_process": None, "search": None, "address_ids": [5, 2, 5], "contact_ids": [], "sync_after": False,
    })
    assert selection == MemberSelection(
        "acme", 3, "remove", letter="A", category="Kunde", address_ids=(2, 5), sync_after=False
    )
    assert selection.by_address and selection.sync_conf() is None
    assert MemberSelection.from_params({"tenant": "acme", "list_id": "7", "contact_ids": [1]}).sync_conf() == {
        "tenant": "acme", "list_id": "7"  # keys are text
    }
    assert MemberSelection.from_params({"tenant": "acme", "list_id": "0042", "contact_ids": [1, "A-17", 5_000_000_001]}
                                       ).contact_ids == ("1", "5000000001", "A-17")  # numbers first, by value


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tenant": "acme", "list_id": 1}, "no filter given"),
        ({"tenant": "acme", "list_id": 1, "address_ids": [], "contact_ids": [], "tag": " "}, "no filter given"),
        ({"list_id": 1, "tag": "x"}, "tenant is required"),
        ({"tenant": "acme", "list_id": None, "tag": "x"}, "list_id must be"),
        ({"tenant": "acme", "list_id": True, "tag": "x"}, "list_id must be"),
        ({"tenant": "acme", "list_id": 1, "action": "purge", "tag": "x"}, "action must be"),
        ({"tenant": "acme", "list_id": 1, "letter": "Ä"}, "letter must be"),
        ({"tenant": "acme", "list_id": 1, "contact_ids": "1,2"}, "list of ids"),
        ({"tenant": "acme", "list_id": 1, "contact_ids": [1, True]}, "list of ids"),
        ({"tenant": "acme", "list_id": 1, "contact_ids": [1, " "]}, "list of ids"),
        ({"tenant": "acme", "list_id": 1, "contact_ids": [1.5]}, "list of ids"),
    ],
)
def test_from_params_refuses(params, message):
    with pytest.raises(SelectionError, match=message):
        MemberSelection.from_params(params)


def test_accepts_applies_letter_and_search_and_needs_an_address_for_address_filters():
    by_letter = MemberSelection("acme", 1, letter="A", search="mitte")
    assert by_letter.accepts({"address_id": 1, "name": "Ärztehaus", "matchcode": None, "city": "Berlin-MITTE"})
    assert not by_letter.accepts({"address_id": 1, "name": "Ärztehaus", "matchcode": None, "city": "Pankow"})
    assert not by_letter.accepts({"address_id": 1, "name": "Bäckerei", "matchcode": "mitte", "city": None})
    assert not MemberSelection("acme", 1, address_ids=(1,)).accepts({"address_id": None})
    assert MemberSelection("acme", 1, contact_ids=(1,)).accepts({"address_id": None, "name": None})


def test_id_problems_names_ids_not_tenants():
    selection = MemberSelection("acme", 1, address_ids=(1, 2, 3), contact_ids=(10, 11))
    owners = [
        {"kind": "address", "id": 1, "tenant_id": "acme"},
        {"kind": "address", "id": 2, "tenant_id": "beta"},
        {"kind": "contact", "id": 10, "tenant_id": "acme"},
        {"kind": "contact", "id": 11, "tenant_id": "acme"},
    ]
    message = id_problems(selection, owners)
    assert message == "tenant 'acme': address_ids of another tenant: 2; unknown address_ids: 3. Nothing was changed."
    assert "beta" not in message
    assert id_problems(MemberSelection("acme", 1, contact_ids=(10,)), owners) is None


def test_change_counts_and_message_never_show_emails():
    selection = MemberSelection("acme", 4, category="Kunde")
    change = MemberChange(selection, "Newsletter", matched=5, added=(1, 2, 3), already_present=2, without_email=(3,))
    assert change.counts() == {
        "tenant_id": "acme", "list_id": "4", "action": "add", "matched": 5, "added": 3, "already_present": 2,
        "removed": 0, "not_on_list": 0, "without_valid_email": 1,
    }
    message = change.message()
    assert "added 3, 2 already on the list" in message
    assert "the sync will reject them" in message and "contact ids 3" in message
    removed = MemberChange(MemberSelection("acme", 4, "remove", contact_ids=(1, 2)), "N", 2, removed=1, not_on_list=1)
    assert "removed 1, 1 were not on the list" in removed.message()
