"""The adapter contract's pieces (pure): the parameters a SQL text names, the types a key column may have,
and how samples and columns read in the adapter table of docs/crm-adapter.md."""

from __future__ import annotations

from datetime import datetime

import pytest

from cleverreach.crm.keys import AdapterKeys, KeyType
from cleverreach.crm_check.contract import ColumnType, SampleRef, describe_sample, positional_count, sql_parameters


def test_the_parameter_parser_skips_casts_and_comments():
    assert sql_parameters("-- :hidden\nSELECT CAST(:a AS text), b::int FROM t WHERE c = :c_1") == {"a", "c_1"}


def test_positional_placeholders_are_counted_outside_comment_lines():
    assert positional_count("-- why ? and ?\nINSERT INTO t (a, b) VALUES (?, ?)") == 2
    assert positional_count("SELECT :a") == 0


def test_a_key_column_has_the_declared_type():
    keys = AdapterKeys(contact=KeyType.UUID, list=KeyType.TEXT, group=KeyType.INTEGER, address=KeyType.INTEGER)
    assert ColumnType.CONTACT_KEY.key_type(keys) is KeyType.UUID
    assert ColumnType.LIST_KEY.key_type(keys) is KeyType.TEXT
    assert ColumnType.GROUP_ID.key_type(keys) is KeyType.INTEGER
    assert ColumnType.ADDRESS_KEY.key_type(keys) is KeyType.INTEGER


@pytest.mark.parametrize(("contact", "address", "owner"), [
    (KeyType.UUID, KeyType.UUID, KeyType.UUID),
    (KeyType.INTEGER, KeyType.INTEGER, KeyType.INTEGER),
    (KeyType.UUID, KeyType.INTEGER, KeyType.TEXT),  # one column for both: text where they differ
])
def test_an_owner_column_has_the_common_type_of_contact_and_address(contact, address, owner):
    assert ColumnType.OWNER_KEY.key_type(AdapterKeys(contact=contact, address=address)) is owner


def test_only_key_columns_are_keys_and_describe_their_declaration():
    assert not ColumnType.TEXT.is_key and ColumnType.TEXT.describe() == "text"
    assert ColumnType.LIST_KEY.is_key
    assert ColumnType.LIST_KEY.describe() == "list key (integer·text·uuid, `[keys] list`)"
    assert ColumnType.GROUP_ID.describe() == "group id (integer·text, `[keys] group`)"


@pytest.mark.parametrize(("sample", "shown"), [
    (SampleRef.CONTACT, "a contact of the tenant"),
    (ColumnType.TEXT, "'text'"),
    ([SampleRef.LIST, 3], "[a list of the tenant, 3]"),
    (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02 03:04:05"),
    ("de", "'de'"),
    (None, "None"),
])
def test_samples_read_as_the_readme_shows_them(sample, shown):
    assert describe_sample(sample) == shown
