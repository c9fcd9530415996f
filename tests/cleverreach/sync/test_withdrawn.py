"""The CRM's consent marks (GDPR) in the pure sync: who is withdrawn, which receivers are erased, and why."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cleverreach.sync.actual import receivers_frame
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import diff
from cleverreach.sync.ownership import owned_frame
from cleverreach.sync.withdrawn import DELETED_REASON, NO_MARKETING_REASON, combine, withdrawal_reasons, withdrawn_frame

GONE = datetime(2026, 3, 1)


def members(*rows: dict) -> pd.DataFrame:
    base = {"sync_state": "synced", "sync_error": None, "salutation": None, "first_name": None, "last_name": None,
            "function": None, "company": None, "no_marketing": False, "deleted_at": None}
    return pd.DataFrame([{**base, **row} for row in rows])


def receivers(*rows: dict) -> pd.DataFrame:
    return receivers_frame([[{"id": f"r{i}", "activated": 1, "deactivated": 0, "bounced": 0, **row}
                             for i, row in enumerate(rows)]])


def owned(actual: pd.DataFrame, contacts: dict[int, int]) -> pd.DataFrame:
    """Receivers at the given positions recorded as ours, for the given contact ids."""
    rows = actual.iloc[list(contacts)]
    return owned_frame(pd.DataFrame({"email_key": rows["email_key"], "receiver_id": rows["receiver_id"],
                                     "contact_person_id": list(contacts.values()), "origin": "created", "since": None,
                                     "our_deactivated": -1}))


def test_reasons_deleted_outranks_no_marketing_and_missing_marks_are_none():
    frame = pd.DataFrame({"contact_person_id": [1, 2, 3, 4], "no_marketing": [True, True, False, None],
                          "deleted_at": [None, GONE, None, None]})
    assert withdrawal_reasons(frame).tolist() == [NO_MARKETING_REASON, DELETED_REASON, None, None]
    assert withdrawal_reasons(pd.DataFrame({"contact_person_id": [1]})).tolist() == [None]
    assert withdrawal_reasons(pd.DataFrame({"no_marketing": [1, 0]})).tolist() == [NO_MARKETING_REASON, None]  # SQLite


@pytest.mark.parametrize("marks", [
    pd.Series([True, False, None], dtype="object"),  # PostgreSQL's booleans with NULL
    pd.Series([True, False, None], dtype="boolean"),
    pd.Series([1.0, 0.0, float("nan")]),  # SQLite's 0 and 1 with NULL, read as floats
    pd.Series([1, 0, None], dtype="Int64"),
    pd.Series([2, 0, 0]),
])
def test_the_no_marketing_flag_in_every_type_a_crm_gives(marks):
    frame = pd.DataFrame({"contact_person_id": [1, 2, 3], "no_marketing": marks})
    assert withdrawal_reasons(frame).tolist() == [NO_MARKETING_REASON, None, None]


def test_withdrawn_members_are_rejected_with_the_crms_reason_and_keep_no_address():
    valid, rejected = prepare_desired(members(
        {"contact_person_id": 1, "email": "shared@example.org", "no_marketing": True},
        {"contact_person_id": 2, "email": "shared@example.org"},
        {"contact_person_id": 3, "email": "gone@example.org", "deleted_at": GONE},
    ))
    assert valid["contact_person_id"].tolist() == ["2"]  # the withdrawn contact 1 does not hold the address
    assert dict(zip(rejected["contact_person_id"], rejected["reason"])) == {"1": NO_MARKETING_REASON, "3": DELETED_REASON}


def plan(member_rows, receiver_rows, contacts_owned, tenant_withdrawn=None):
    frame = members(*member_rows)
    valid, _rejected = prepare_desired(frame)
    actual = receivers(*receiver_rows)
    withdrawn = combine(withdrawn_frame(frame), tenant_withdrawn)
    return diff(valid, actual, owned(actual, contacts_owned), None, withdrawn)


def test_a_withdrawn_members_receivers_are_erased_by_record_and_by_address():
    result = plan(
        [{"contact_person_id": 1, "email": "anna.new@example.org", "no_marketing": True},
         {"contact_person_id": 2, "email": "ben@example.org"}],
        [{"email": "anna.old@example.org", "global_attributes": {"ext_id": "1"}},  # ours, for contact 1
         {"email": "anna.new@example.org"},  # a sign-up under the withdrawn member's address
         {"email": "ben@example.org", "global_attributes": {"ext_id": "2"}},
         {"email": "form@example.org"}],
        {0: 1, 2: 2},
    )
    removes = result.removes.set_index("email")
    assert sorted(removes.index) == ["anna.new@example.org", "anna.old@example.org"]
    assert removes["erase"].tolist() == [True, True]
    assert set(removes["reason"]) == {f"{NO_MARKETING_REASON}: deleted from the group"}
    assert removes["contact_person_id"].tolist() == ["1", "1"]
    assert result.adds.empty and result.updates.empty


def test_a_tenant_wide_withdrawal_erases_even_an_unsubscribed_receiver_but_never_another_members():
    tenant = withdrawn_frame(pd.DataFrame({"contact_person_id": [7, 8], "no_marketing": [False, False],
                                           "deleted_at": [GONE, GONE]}))
    result = plan(
        [{"contact_person_id": 2, "email": "shared@example.org"}],
        [{"email": "seven@example.org", "deactivated": 1700000000, "global_attributes": {"ext_id": "7"}},
         {"email": "shared@example.org", "global_attributes": {"ext_id": "8"}},  # ours for 8, but member 2 wants it
         {"email": "eight@example.org", "global_attributes": {"ext_id": "8"}}],  # carries 8, not ours: untouched
        {0: 7, 1: 8},
        tenant,
    )
    assert result.removes["email"].tolist() == ["seven@example.org"]
    assert result.removes["reason"].tolist() == [f"{DELETED_REASON}: deleted from the group"]
    assert bool(result.removes["erase"].iloc[0])


def test_without_marks_removals_are_ordinary():
    result = plan([{"contact_person_id": 2, "email": "ben@example.org"}],
                  [{"email": "old@example.org", "global_attributes": {"ext_id": "3"}}], {0: 3})
    assert result.removes["reason"].tolist() == ["no longer on the list"]
    assert result.removes["erase"].tolist() == [False]
