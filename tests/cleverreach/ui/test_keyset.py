"""The keyset pieces: the disjuncts after a boundary row, in row order, and NULL placement (pure)."""

from __future__ import annotations

from cleverreach.ui.keyset import SORT_KEYS, MemberSort, after, order_by

PERSON = SORT_KEYS[MemberSort.PERSON]


def test_after_a_named_person_ascending_seeks_deepest_column_first():
    found = after(PERSON, {"last_name": "Li", "first_name": "Ann", "contact_person_id": 7}, descending=False)
    assert found == [
        ("p.last_name = :key_0 AND p.first_name = :key_1 AND p.id > :key_2", {"key_0": "Li", "key_1": "Ann", "key_2": 7}),
        ("p.last_name = :key_0 AND p.first_name > :key_1", {"key_0": "Li", "key_1": "Ann"}),
        ("p.last_name > :key_0", {"key_0": "Li"}),
    ]


def test_descending_takes_the_nulls_after_the_smaller_values():
    found = after(PERSON, {"last_name": "Li", "first_name": None, "contact_person_id": 7}, descending=True)
    assert [condition for condition, _ in found] == [
        "p.last_name = :key_0 AND p.first_name IS NULL AND p.id < :key_2",
        "p.last_name < :key_0",
        "p.last_name IS NULL",
    ]


def test_ascending_after_a_null_come_all_values():
    found = after(SORT_KEYS[MemberSort.EMAIL], {"email": None, "contact_person_id": 3}, descending=False)
    assert found == [("p.email IS NULL AND p.id > :key_1", {"key_1": 3}), ("p.email IS NOT NULL", {})]


def test_postgresql_is_told_sqlites_null_order():
    assert order_by(PERSON, False, "sqlite") == "ORDER BY p.last_name ASC, p.first_name ASC, p.id ASC"
    assert order_by(PERSON, True, "postgresql") == (
        "ORDER BY p.last_name DESC NULLS LAST, p.first_name DESC NULLS LAST, p.id DESC")
    assert order_by(SORT_KEYS[MemberSort.STATE], False, "postgresql") == (
        "ORDER BY m.sync_state ASC, m.contact_person_id ASC")
