"""The pure diff: desired members against actual receivers, rule by rule."""

from __future__ import annotations

import pandas as pd
import pytest

from cleverreach.exceptions import MassRemovalError
from cleverreach.sync.actual import receivers_frame
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import diff
from cleverreach.sync.plan import check_mass_removal, removal_limit


def members(*rows: dict) -> pd.DataFrame:
    base = {"sync_state": "pending", "sync_error": None, "salutation": None, "first_name": None,
            "last_name": None, "function": None, "company": None}
    return pd.DataFrame([{**base, **row} for row in rows])


def receivers(*rows: dict) -> pd.DataFrame:
    return receivers_frame([[{"id": str(i), "activated": 1, "deactivated": 0, "bounced": 0, **row} for i, row in enumerate(rows)]])


def plan_for(member_rows, receiver_rows):
    valid, rejected = prepare_desired(members(*member_rows))
    return diff(valid, receivers(*receiver_rows)), rejected


def test_validation_trims_lowercases_for_matching_and_rejects_with_reasons():
    valid, rejected = prepare_desired(members(
        {"contact_person_id": 2, "email": "  Jürgen.Groß@Bücher.Example "},
        {"contact_person_id": 3, "email": "jürgen.groß@bücher.example"},
        {"contact_person_id": 4, "email": "a@b"},
        {"contact_person_id": 5, "email": None},
        {"contact_person_id": 6, "email": "   "},
    ))
    assert valid["contact_person_id"].tolist() == [2]
    assert valid.loc[0, "email"] == "Jürgen.Groß@bücher.example"  # domain normalised, local part kept
    assert valid.loc[0, "email_key"] == "jürgen.groß@bücher.example"
    reasons = dict(zip(rejected["contact_person_id"], rejected["reason"]))
    assert reasons[3] == "duplicate e-mail on this list, also used by contact 2"
    assert reasons[4].startswith("invalid e-mail") and reasons[5] == reasons[6] == "missing e-mail"


def test_attribute_values_are_cleaned():
    valid, _ = prepare_desired(members({"contact_person_id": 1, "email": "x@example.org",
                                        "first_name": " An\x00na\n", "company": "x" * 400}))
    assert valid.loc[0, "firstname"] == "An na" and len(valid.loc[0, "company"]) == 250


def test_adds_updates_removes_and_unchanged():
    plan, _ = plan_for(
        [{"contact_person_id": 1, "email": "new@example.org"},
         {"contact_person_id": 2, "email": "same@example.org", "first_name": "Eva"},
         {"contact_person_id": 3, "email": "changed@example.org", "first_name": "Neu"}],
        [{"email": "SAME@example.org", "global_attributes": {"ext_id": "2", "firstname": "Eva"}},
         {"email": "changed@example.org", "global_attributes": {"ext_id": "3", "firstname": "Alt"}},
         {"email": "old@example.org", "global_attributes": {"ext_id": "9"}}],
    )
    assert plan.adds["contact_person_id"].tolist() == [1]
    assert plan.updates["contact_person_id"].tolist() == [3]
    assert plan.updates.loc[0, "reason"] == "changed: firstname"
    assert plan.removes["email"].tolist() == ["old@example.org"]
    assert plan.removes.loc[0, "reason"] == "no longer on the list"
    assert plan.unchanged_ids.tolist() == [2]
    assert plan.owned_count == 3
    assert plan.update_payloads("ext_id") == [{"email": "changed@example.org", "global_attributes": {
        "salutation": "", "firstname": "Neu", "lastname": "", "function": "", "company": "", "ext_id": "3"}}]
    assert "activated" not in str(plan.update_payloads("ext_id")) and "deactivated" not in str(plan.add_payloads("ext_id"))


def test_receivers_we_do_not_own_are_never_in_the_plan():
    plan, _ = plan_for([], [{"email": "form@example.org", "global_attributes": {}},
                            {"email": "import@example.org", "global_attributes": {"ext_id": ""}}])
    assert plan.is_empty and plan.owned_count == 0


def test_unowned_receiver_matching_a_member_is_adopted():
    plan, _ = plan_for([{"contact_person_id": 7, "email": "adopt@example.org"}],
                       [{"email": "Adopt@Example.org", "global_attributes": {}}])
    assert plan.updates.loc[0, "reason"] == "adopted: matched by e-mail, ext_id set"
    assert plan.update_payloads("ext_id")[0]["email"] == "Adopt@Example.org"  # addressed as CleverReach has it


def test_consent_is_a_one_way_ratchet():
    plan, _ = plan_for(
        [{"contact_person_id": 1, "email": "unsub@example.org", "first_name": "Changed"},
         {"contact_person_id": 2, "email": "bounce@example.org"},
         {"contact_person_id": 3, "email": "moved@example.org"},  # unsubscribed under an old address
         {"contact_person_id": 4, "email": "crm@example.org", "sync_state": "unsubscribed"},
         {"contact_person_id": 5, "email": "newbox@example.org"}],  # bounced under an old address
        [{"email": "unsub@example.org", "deactivated": 5, "global_attributes": {"ext_id": "1"}},
         {"email": "bounce@example.org", "bounced": 5, "global_attributes": {"ext_id": "2"}},
         {"email": "old3@example.org", "deactivated": 5, "global_attributes": {"ext_id": "3"}},
         {"email": "old5@example.org", "bounced": 5, "global_attributes": {"ext_id": "5"}},
         {"email": "gone@example.org", "deactivated": 5, "global_attributes": {"ext_id": "99"}}],
    )
    assert plan.updates.empty  # no write to an inactive receiver, not even its attributes
    assert plan.removes.empty  # inactive receivers are never removed (that would forget the opt-out)
    assert sorted(plan.unsubscribed["contact_person_id"]) == [1, 3, 4]
    assert plan.bounced["contact_person_id"].tolist() == [2]
    assert plan.adds["contact_person_id"].tolist() == [5]  # a bounce concerns one mailbox only


def test_email_change_removes_the_old_receiver_and_adds_the_new():
    plan, _ = plan_for([{"contact_person_id": 1, "email": "neu@example.org"}],
                       [{"email": "alt@example.org", "global_attributes": {"ext_id": "1"}}])
    assert plan.adds["email"].tolist() == ["neu@example.org"]
    assert plan.removes["email"].tolist() == ["alt@example.org"]
    assert plan.removes.loc[0, "reason"] == "e-mail changed in the CRM"


def test_ext_id_of_another_contact_is_reassigned():
    plan, _ = plan_for([{"contact_person_id": 1, "email": "x@example.org"}],
                       [{"email": "x@example.org", "global_attributes": {"ext_id": "8"}}])
    assert plan.updates.loc[0, "reason"] == "ext_id was 8"


def test_unchanged_state_gives_an_empty_plan_whatever_the_order():
    rows = [{"contact_person_id": i, "email": f"p{i}@example.org", "last_name": f"L{i}"} for i in range(1, 6)]
    remote = [{"email": f"p{i}@example.org", "global_attributes": {"ext_id": str(i), "lastname": f"L{i}"}} for i in range(1, 6)]
    plan, _ = plan_for(rows, remote)
    assert plan.is_empty and sorted(plan.unchanged_ids.tolist()) == [1, 2, 3, 4, 5]
    plan2, _ = plan_for(list(reversed(rows)), list(reversed(remote)))
    assert plan2.is_empty


def test_mass_removal_guard():
    assert removal_limit(100, 10, 0.2) == 20 and removal_limit(10, 10, 0.2) == 10
    plan, _ = plan_for([], [{"email": f"r{i}@example.org", "global_attributes": {"ext_id": str(i)}} for i in range(11)])
    with pytest.raises(MassRemovalError, match="allow_mass_removal"):
        check_mass_removal(plan, minimum=10, share=0.2, allow=False, list_label="list 1")
    check_mass_removal(plan, minimum=10, share=0.2, allow=True, list_label="list 1")
    check_mass_removal(plan, minimum=11, share=0.2, allow=False, list_label="list 1")


def test_fast_email_validation_agrees_with_email_validator():
    from email_validator import EmailNotValidError, validate_email

    from cleverreach.sync.desired import validate_emails

    samples = ["a@b.example", "A.B@Example.ORG", "a@b.local", "a@b.test", "a..b@x.de", ".a@x.de", "a@-x.de",
               "a@x-.de", "a@x.d", "x" * 65 + "@x.de", "a@" + "x" * 250 + ".de", "jürgen@bücher.example",
               "\"quoted\"@x.de", "a@b@c.de", "a@xn--bcher-kva.example", "o'brien+tag@mail.example.org", "a@", "@x.de"]
    normalized, reasons = validate_emails(pd.Series(samples))
    for value, norm, reason in zip(samples, normalized, reasons):
        try:
            expected = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            expected = None
        assert norm == expected, value
        assert (reason is None) == (expected is not None), value
