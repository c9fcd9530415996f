"""Ownership intents settled against the group (pure); their store is ``sync.list_state`` (``test_list_state``)."""

from __future__ import annotations

import pandas as pd

from cleverreach.sync.actual import actual_from_columns
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.intents import INTENT_COLUMNS, absorb, intent_rows, resolve_intents
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, owned_frame, resolve_ownership


def group(*receivers: tuple[str, str, str]) -> pd.DataFrame:
    """(receiver id, e-mail, ext_id) per receiver, active."""
    columns = {name: [] for name in ("receiver_id", "email", "ext_id", "activated", "deactivated", "bounced")}
    for rid, email, ext_id in receivers:
        for name, value in zip(columns, (rid, email, ext_id, 1, 0, 0)):
            columns[name].append(value)
    columns.update({name: [""] * len(receivers) for name in ATTRIBUTES})
    return actual_from_columns(columns)


def intents(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=INTENT_COLUMNS)


def test_a_receiver_the_dead_run_created_is_owned_and_the_rest_dropped():
    actual = group(("r1", "Anna@Example.org", "1"), ("r2", "ben@example.org", "99"), ("r3", "form@example.org", ""))
    left = intents(("anna@example.org", "1", "created"),  # created: its ext_id is the intent's contact
                   ("ben@example.org", "2", "created"),  # there before, someone else's: the insert was refused
                   ("carl@example.org", "3", "created"),  # never created
                   ("form@example.org", "4", "adopted"))  # the adopting upsert never happened (no ext_id)
    resolution = resolve_intents(left, actual, owned_frame(None))
    rows = resolution.owned.to_dict("records")
    assert rows == [{"email_key": "anna@example.org", "receiver_id": "r1", "contact_person_id": "1", "origin": "created",
                     "our_deactivated": NOT_DEACTIVATED_BY_US}]
    assert sorted(resolution.settled) == ["anna@example.org", "ben@example.org", "carl@example.org", "form@example.org"]
    assert resolution.dropped == 3


def test_an_intent_for_a_receiver_already_owned_is_only_settled():
    actual = group(("r1", "anna@example.org", "1"), ("r2", "ben@example.org", "2"))
    record = owned_frame(pd.DataFrame([{"email_key": "anna@example.org", "receiver_id": "r1", "contact_person_id": "1",
                                        "origin": "created", "since": None, "our_deactivated": -1}]))
    ownership = resolve_ownership(record, actual)
    resolution = resolve_intents(intents(("anna@example.org", "1", "created"), ("ben@example.org", "2", "adopted")),
                                 actual, ownership.owned)
    assert resolution.owned[["email_key", "origin"]].values.tolist() == [["ben@example.org", "adopted"]]
    assert resolution.dropped == 0 and sorted(resolution.settled) == ["anna@example.org", "ben@example.org"]
    merged = absorb(ownership, resolution)
    assert sorted(merged.owned["receiver_id"]) == ["r1", "r2"]
    assert merged.save["receiver_id"].tolist() == ["r2"] and merged.changed  # written with the record


def test_contact_keys_compare_as_text_and_no_intents_change_nothing():
    actual = group(("r1", "a@example.org", "042"), ("r2", "b@example.org", "7"))
    resolution = resolve_intents(intents(("a@example.org", "42", "created"), ("b@example.org", 7, "created")),
                                 actual, owned_frame(None))
    assert resolution.owned["receiver_id"].tolist() == ["r2"]  # "042" names nobody, 7 is "7"
    empty = resolve_intents(intents(), actual, owned_frame(None))
    assert empty.owned.empty and empty.settled == [] and empty.dropped == 0
    ownership = resolve_ownership(owned_frame(None), actual)
    assert absorb(ownership, empty) is ownership
    assert resolve_intents(intents(("a@example.org", "1", "created")), group(), owned_frame(None)).dropped == 1


def test_the_first_receiver_of_a_repeated_address_counts_and_a_seeded_row_is_no_receiver():
    # a page that repeated an address: the first receiver is the one (as in the diff); the second is ignored
    actual = group(("r1", "anna@example.org", "9"), ("r2", "anna@example.org", "1"), ("r3", "ben@example.org", "2"))
    # a record row still without a receiver id ("") is not the receiver of an intent that found none
    record = owned_frame(pd.DataFrame([{"email_key": "old@example.org", "receiver_id": "", "contact_person_id": "5",
                                        "origin": "adopted", "since": None, "our_deactivated": -1}]))
    resolution = resolve_intents(intents(("anna@example.org", "1", "created"), ("ben@example.org", "2", "created"),
                                         ("carl@example.org", "3", "created")), actual, record)
    assert resolution.owned[["email_key", "receiver_id"]].values.tolist() == [["ben@example.org", "r3"]]
    assert resolution.dropped == 2


def test_intent_rows_of_plan_rows():
    rows = pd.DataFrame({"email_key": ["a@example.org"], "contact_person_id": [5], "email": ["A@example.org"]})
    assert intent_rows(rows, "created").values.tolist() == [["a@example.org", "5", "created"]]
