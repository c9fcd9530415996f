"""Keys of any kind: the integration's text of a CRM key and its way back into the CRM's type."""

from __future__ import annotations

import sys
import uuid
from decimal import Decimal

import pytest

from cleverreach.crm.keys import AdapterKeys, InvalidKeyError, KeyType, _read_declaration, as_key, bind_key, bind_keys

U = uuid.UUID("3f2b8c1e-9d4a-4e6b-8f00-1a2b3c4d5e6f")


@pytest.mark.parametrize(("value", "text"), [
    (42, "42"), (2**40 + 7, "1099511627783"), (Decimal("12"), "12"), (12.0, "12"), (U, str(U)),
    ("0042", "0042"), (" abc ", "abc"), (None, None),
])
def test_as_key_is_the_text_of_the_value(value, text):
    assert as_key(value) == text


@pytest.mark.parametrize("value", [True, 1.5, float("nan"), "", "  ", b"1"])
def test_as_key_refuses_what_cannot_be_a_key(value):
    with pytest.raises(InvalidKeyError):
        as_key(value)


def test_bind_key_returns_the_crm_type():
    assert bind_key("1099511627783", KeyType.INTEGER) == 1099511627783
    assert bind_key(7, KeyType.TEXT) == "7"
    assert bind_key(str(U).upper(), KeyType.UUID) == str(U).upper()  # as the CRM spells it (SQLite text compares by case)
    assert bind_key("{" + str(U) + "}", KeyType.UUID) == str(U)  # other spellings: the canonical one
    with pytest.raises(InvalidKeyError, match="not an integer"):
        bind_key("abc", KeyType.INTEGER)
    with pytest.raises(InvalidKeyError, match="not a UUID"):
        bind_key("42", KeyType.UUID)


def test_declaration_defaults_and_file(tmp_path):
    assert _read_declaration(None) == AdapterKeys()
    path = tmp_path / "adapter.toml"
    path.write_text('[keys]\ncontact = "UUID"\nlist = "integer"\ngroup = "integer"\naddress = "integer"\n')
    assert _read_declaration(path) == AdapterKeys(KeyType.UUID, KeyType.INTEGER, KeyType.INTEGER, KeyType.INTEGER)
    other = tmp_path / "other.toml"  # declarations are read once per path
    other.write_text('[keys]\naddress = "text"\n')
    assert _read_declaration(other).address is KeyType.TEXT


@pytest.mark.parametrize(("body", "message"), [
    ('[keys]\ncontact = "long"\n', "use integer, text or uuid"),
    ('[keys]\nperson = "text"\n', "not person"),
    ('[keys]\ngroup = "uuid"\n', "group ids are numbers"),
    ("[keys\n", "not valid TOML"),
])
def test_declaration_errors_say_what_is_wrong(tmp_path, body, message):
    path = tmp_path / "adapter.toml"
    path.write_text(body)
    with pytest.raises(InvalidKeyError, match=message):
        _read_declaration(path)


@pytest.mark.parametrize("pyarrow", [True, False], ids=["arrow", "without-pyarrow"])
def test_bind_keys_takes_uuid_text_as_it_is_and_refuses_what_is_none(pyarrow, monkeypatch):
    if not pyarrow:  # not a dependency: an Airflow installed without it binds the same keys
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        monkeypatch.setitem(sys.modules, "pyarrow.compute", None)
    keys = [str(uuid.UUID(int=n)) for n in range(1, 1000)] + [str(U).upper()]
    assert bind_keys(keys, KeyType.UUID) == keys
    assert bind_keys([U, str(U)], KeyType.UUID) == [str(U), str(U)]
    with pytest.raises(InvalidKeyError, match="not a UUID"):
        bind_keys([*keys, "0042"], KeyType.UUID)
    assert bind_keys([*keys[:2], " " + str(U)], KeyType.UUID) == [*keys[:2], str(U)]  # not as spelled: value by value
