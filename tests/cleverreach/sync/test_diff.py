"""The pure diff: desired members against actual receivers and the ownership record, rule by rule."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cleverreach.exceptions import MassRemovalError
from cleverreach.sync.actual import receivers_frame
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import diff
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.ownership import owned_frame, resolve_ownership
from cleverreach.sync.plan import Payloads, check_mass_removal, payload_hashes, removal_limit


def members(*rows: dict) -> pd.DataFrame:
    base = {"sync_state": "pending", "sync_error": None, "salutation": None, "first_name": None,
            "last_name": None, "function": None, "company": None}
    return pd.DataFrame([{**base, **row} for row in rows])


def receivers(*rows: dict) -> pd.DataFrame:
    return receivers_frame([[{"id": str(i), "activated": 1, "deactivated": 0, "bounced": 0, **row} for i, row in enumerate(rows)]])


def ours(actual: pd.DataFrame, *positions: int, stamps: dict[int, int] | None = None) -> pd.DataFrame:
    """An ownership record naming the receivers at ``positions`` (contact id from their ext_id)."""
    rows = actual.iloc[list(positions)]
    return owned_frame(pd.DataFrame({
        "email_key": rows["email_key"], "receiver_id": rows["receiver_id"],
        "contact_person_id": pd.to_numeric(rows["ext_id"], errors="coerce").fillna(-1).astype("int64"),
        "origin": "created", "since": None,
        "our_deactivated": [(stamps or {}).get(p, -1) for p in positions],
    }))


def plan_for(member_rows, receiver_rows, owned_positions=None, stamps=None, refusals=None):
    """Plan with the given receivers owned; by default every receiver carrying an ext_id is owned."""
    valid, rejected = prepare_desired(members(*member_rows))
    actual = receivers(*receiver_rows)
    if owned_positions is None:
        owned_positions = [i for i, ext in enumerate(actual["ext_id"]) if ext]
    return diff(valid, actual, ours(actual, *owned_positions, stamps=stamps), refusals), rejected


def test_validation_trims_lowercases_for_matching_and_rejects_with_reasons():
    valid, rejected = prepare_desired(members(
        {"contact_person_id": 2, "email": "  Jürgen.Groß@Bücher.Example "},
        {"contact_person_id": 3, "email": "jürgen.groß@bücher.example"},
        {"contact_person_id": 4, "email": "a@b"},
        {"contact_person_id": 5, "email": None},
        {"contact_person_id": 6, "email": "   "},
    ))
    assert valid["contact_person_id"].tolist() == ["2"]
    assert valid.loc[0, "email"] == "Jürgen.Groß@bücher.example"  # domain normalised, local part kept
    assert valid.loc[0, "email_key"] == "jürgen.groß@xn--bcher-kva.example"  # the domain's ASCII form
    reasons = dict(zip(rejected["contact_person_id"], rejected["reason"]))
    assert reasons["3"] == "duplicate e-mail on this list, also used by contact 2"
    assert reasons["4"].startswith("invalid e-mail") and reasons["5"] == reasons["6"] == "missing e-mail"


def test_attribute_values_are_cleaned():
    valid, _ = prepare_desired(members({"contact_person_id": 1, "email": "x@example.org",
                                        "first_name": " An\x00na\n", "company": "x" * 400}))
    assert valid.loc[0, "firstname"] == "An na" and len(valid.loc[0, "company"]) == 250


def test_the_desired_state_is_the_same_from_text_and_object_columns_and_leaves_the_members_alone():
    """A read from the database gives Arrow-backed text (pandas' ``str``), a frame built in Python may give
    objects: the same members give the same valid and rejected rows, and the caller's frame is not changed."""
    rows = [{"contact_person_id": 1, "email": " A@Example.org ", "first_name": " An\x00na\n", "company": None},
            {"contact_person_id": 2, "email": None, "first_name": "Bo", "company": "Zeta GmbH"},
            {"contact_person_id": 3, "email": "c@example.org", "first_name": None, "company": "x" * 300}]
    as_objects = members(*rows).astype(object)
    as_text = members(*rows).astype({name: "str" for name in ("email", "first_name", "company", "sync_state")})
    before = as_text.copy()
    valid_objects, rejected_objects = prepare_desired(as_objects)
    valid_text, rejected_text = prepare_desired(as_text)
    pd.testing.assert_frame_equal(as_text, before)
    for ours_, theirs in ((valid_text, valid_objects), (rejected_text, rejected_objects)):
        assert ours_.astype(object).where(ours_.notna(), None).to_dict("records") == \
            theirs.astype(object).where(theirs.notna(), None).to_dict("records")
    assert valid_text["firstname"].tolist() == ["An na", ""] and valid_text["company"].tolist() == ["", "x" * 250]
    # a handful of states for a million members: a byte each, whatever the column was read as
    assert isinstance(valid_text["sync_state"].dtype, pd.CategoricalDtype)
    assert isinstance(valid_objects["sync_state"].dtype, pd.CategoricalDtype)


def test_the_records_origin_is_a_category_and_a_typed_record_is_taken_as_it_is():
    record = owned_frame(pd.DataFrame({"email_key": ["a@example.org", "b@example.org"], "receiver_id": ["1", "2"],
                                       "contact_person_id": ["1", "2"], "origin": ["created", None],
                                       "our_deactivated": [None, 5]}))
    assert isinstance(record["origin"].dtype, pd.CategoricalDtype)
    assert record["origin"].tolist() == ["created", "adopted"]  # a row seeded without one was adopted
    again = owned_frame(record)
    assert np.shares_memory(again["origin"].array.codes, record["origin"].array.codes)  # not typed again


def test_adds_updates_removes_and_unchanged():
    plan, _ = plan_for(
        [{"contact_person_id": 1, "email": "new@example.org"},
         {"contact_person_id": 2, "email": "same@example.org", "first_name": "Eva"},
         {"contact_person_id": 3, "email": "changed@example.org", "first_name": "Neu"}],
        [{"email": "SAME@example.org", "global_attributes": {"ext_id": "2", "firstname": "Eva"}},
         {"email": "changed@example.org", "global_attributes": {"ext_id": "3", "firstname": "Alt"}},
         {"email": "old@example.org", "global_attributes": {"ext_id": "9"}}],
    )
    assert plan.adds["contact_person_id"].tolist() == ["1"]
    assert plan.updates["contact_person_id"].tolist() == ["3"]
    assert plan.updates.loc[0, "reason"] == "changed: firstname"
    assert plan.removes["email"].tolist() == ["old@example.org"]
    assert plan.removes.loc[0, "reason"] == "no longer on the list"
    assert plan.unchanged_ids.tolist() == ["2"]
    assert plan.owned_count == 3
    assert list(plan.update_payloads("ext_id")) == [{"email": "changed@example.org", "global_attributes": {
        "salutation": "", "firstname": "Neu", "lastname": "", "function": "", "company": "", "ext_id": "3"}}]
    # existing receivers never get activation fields; new ones always carry activated explicitly
    assert "activated" not in str(list(plan.update_payloads("ext_id")))
    assert [body["activated"] for body in plan.add_payloads("ext_id", 0)] == [0]
    assert "deactivated" not in str(list(plan.add_payloads("ext_id", 1700000000)))


def test_bodies_are_encoded_by_arrow_as_the_dicts_say_or_left_to_the_dicts():
    frame = pd.DataFrame({"email": ["jörg@example.org", 'q"uote@example.org'], "ext_id": ["00123", "7"],
                          **{name: [f"{name} Ä\t", ""] for name in ATTRIBUTES}}).astype("str")
    payloads = Payloads(frame, "email", "crm_id", source="hyperspace CRM", activated=1700000000)
    emails, body = payloads.encoded(0, 2)
    assert emails == ["jörg@example.org", 'q"uote@example.org']
    assert json.loads(body) == list(payloads) and "Ä".encode() in body  # UTF-8 as JSON allows, not escapes
    assert json.loads(payloads.encoded(1, 2)[1]) == [payloads[1]]
    assert list(payloads[0]["global_attributes"])[-1] == "crm_id"  # the attributes' order as the dicts have it
    # a missing value or a column of numbers: the dicts go (json.dumps writes None as null and refuses a NaN)
    assert Payloads(frame.assign(firstname=[None, "x"]), "email", "ext_id").encoded(0, 2) is None
    assert Payloads(frame.assign(ext_id=[1, 2]), "email", "ext_id").encoded(0, 2) is None


def test_receivers_we_do_not_own_are_never_in_the_plan():
    plan, _ = plan_for([], [{"email": "form@example.org", "global_attributes": {}},
                            {"email": "import@example.org", "global_attributes": {"ext_id": ""}}])
    assert plan.is_empty and plan.owned_count == 0


def test_an_ext_id_is_no_proof_of_ownership():
    # A form sign-up in this group whose address belongs to a member of another list: account-wide global
    # attributes show that list's ext_id here. Not recorded as ours: never updated, deactivated or removed.
    plan, _ = plan_for([{"contact_person_id": 1, "email": "member@example.org"}],
                       [{"email": "signup@example.org", "global_attributes": {"ext_id": "42", "firstname": "X"}},
                        {"email": "member@example.org", "global_attributes": {"ext_id": "1"}}],
                       owned_positions=[1])
    assert plan.removes.empty and plan.updates.empty and plan.adds.empty
    assert plan.owned_count == 1  # the guard's base: active receivers the sync owns


def test_ownership_is_by_record_not_by_ext_id():
    actual = receivers({"email": "a@example.org", "global_attributes": {"ext_id": "1"}},
                       {"email": "b@example.org", "global_attributes": {}})
    valid, _ = prepare_desired(members())
    assert diff(valid, actual).removes.empty  # nothing recorded: nothing removed
    plan = diff(valid, actual, ours(actual, 1))
    assert plan.removes["email"].tolist() == ["b@example.org"]  # recorded, even without an ext_id


def test_unowned_receiver_matching_a_member_is_adopted():
    plan, _ = plan_for([{"contact_person_id": 7, "email": "adopt@example.org"}],
                       [{"email": "Adopt@Example.org", "global_attributes": {}}])
    assert plan.updates.loc[0, "reason"] == "adopted: matched by e-mail"
    assert bool(plan.updates.loc[0, "adopt"])
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
    assert sorted(plan.unsubscribed["contact_person_id"]) == ["1", "3", "4"]
    assert plan.bounced["contact_person_id"].tolist() == ["2"]
    assert plan.adds["contact_person_id"].tolist() == ["5"]  # a bounce concerns one mailbox only


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
    assert plan.is_empty and sorted(plan.unchanged_ids.tolist()) == ["1", "2", "3", "4", "5"]
    plan2, _ = plan_for(list(reversed(rows)), list(reversed(remote)))
    assert plan2.is_empty


def test_mass_removal_guard():
    assert removal_limit(100, 10, 0.2) == 20 and removal_limit(10, 10, 0.2) == 10
    plan, _ = plan_for([], [{"email": f"r{i}@example.org", "global_attributes": {"ext_id": str(i)}} for i in range(11)])
    with pytest.raises(MassRemovalError, match="an admin approves this blocked plan"):
        check_mass_removal(plan, minimum=10, share=0.2, list_label="list 1")
    check_mass_removal(plan, minimum=11, share=0.2, list_label="list 1")


def test_fast_email_validation_agrees_with_email_validator():
    from email_validator import EmailNotValidError, validate_email

    from cleverreach.sync.desired import validate_emails

    samples = ["a@b.example", "A.B@Example.ORG", "a@b.local", "a@b.test", "a..b@x.de", ".a@x.de", "a@-x.de",
               "a@x-.de", "a@x.d", "x" * 65 + "@x.de", "a@" + "x" * 250 + ".de", "jürgen@bücher.example",
               "\"quoted\"@x.de", "a@b@c.de", "a@xn--bcher-kva.example", "o'brien+tag@mail.example.org", "a@", "@x.de"]
    normalized, reasons = validate_emails(pd.Series(samples))
    for value, norm, reason in zip(samples, normalized.astype(object).where(normalized.notna(), None), reasons):
        try:
            expected = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            expected = None
        assert norm == expected, value
        assert (reason is None) == (expected is not None), value
    assert normalized.dtype == pd.Series(samples).dtype  # in the column's own storage, not Python objects


def test_pending_receivers_make_unconfirmed_members_and_count_not_for_the_guard():
    plan, _ = plan_for(
        [{"contact_person_id": 1, "email": "doi@example.org"}, {"contact_person_id": 2, "email": "form@example.org"}],
        [{"email": "doi@example.org", "activated": 0, "global_attributes": {"ext_id": "1"}},
         {"email": "form@example.org", "activated": 0, "global_attributes": {"ext_id": "2"}}],
        owned_positions=[0],
    )
    assert plan.unconfirmed["contact_person_id"].tolist() == ["1", "2"]  # the adopted one too, without a write
    assert plan.adoptions["contact_person_id"].tolist() == ["2"] and bool(plan.adoptions.loc[0, "pending"])
    assert plan.is_empty and plan.owned_count == 0


def test_only_our_own_deactivation_is_reactivated():
    rows = [{"contact_person_id": 1, "email": "ours@example.org"}, {"contact_person_id": 2, "email": "theirs@example.org"},
            {"contact_person_id": 3, "email": "again@example.org"}]
    remote = [{"email": "ours@example.org", "deactivated": 500, "global_attributes": {"ext_id": "1"}},
              {"email": "theirs@example.org", "deactivated": 600, "global_attributes": {"ext_id": "2"}},
              {"email": "again@example.org", "deactivated": 900, "global_attributes": {"ext_id": "3"}}]
    # receiver 2 is ours but the person unsubscribed; receiver 3 we deactivated at 700, then the person did at 900
    plan, _ = plan_for(rows, remote, stamps={0: 500, 2: 700})
    assert plan.reactivations["contact_person_id"].tolist() == ["1"]
    assert sorted(plan.unsubscribed["contact_person_id"]) == ["2", "3"]
    assert plan.updates.empty and plan.removes.empty
    # a member the CRM records as unsubscribed is not reactivated either
    rows[0]["sync_state"] = "unsubscribed"
    plan, _ = plan_for(rows, remote, stamps={0: 500})
    assert plan.reactivations.empty


def test_a_refusal_is_not_sent_again_until_the_member_changes():
    rows = [{"contact_person_id": 1, "email": "x@example.o"}, {"contact_person_id": 2, "email": "y@example.org",
                                                               "first_name": "Neu"}]
    remote = [{"email": "y@example.org", "global_attributes": {"ext_id": "2", "firstname": "Alt"}}]
    first, _ = plan_for(rows, remote)
    refusals = pd.DataFrame({
        "contact_person_id": [1, 2], "action": ["add", "update"],
        "payload_hash": [first.adds.loc[0, "payload_hash"], first.updates.loc[0, "payload_hash"]],
        "reason": ["invalid address", "too long"],
    })
    again, _ = plan_for(rows, remote, refusals=refusals)
    assert again.is_empty
    assert dict(zip(again.refused["contact_person_id"], again.refused["sync_state"])) == {"1": "rejected", "2": "pending"}
    rows[1]["first_name"] = "Anders"  # changed: sent again
    changed, _ = plan_for(rows, remote, refusals=refusals)
    assert changed.updates["contact_person_id"].tolist() == ["2"] and changed.adds.empty


def test_payload_hashes_are_stable_and_sensitive():
    valid, _ = prepare_desired(members({"contact_person_id": 1, "email": "a@example.org", "first_name": "A"}))
    assert payload_hashes(valid).tolist() == payload_hashes(valid.copy()).tolist()
    valid2 = valid.assign(firstname="B")
    assert payload_hashes(valid).iloc[0] != payload_hashes(valid2).iloc[0]


def test_payload_hashes_in_slices_are_the_hashes_of_the_whole(monkeypatch):
    """Hashed a slice at a time, each row's hash is what one hash of the whole frame gives (refusals remembered
    before keep matching)."""
    import cleverreach.sync.plan as plan_module

    valid, _ = prepare_desired(members(*({"contact_person_id": i, "email": f"p{i}@example.org", "first_name": f"N{i}"}
                                         for i in range(1, 8))))
    whole = pd.util.hash_pandas_object(valid[["email", "ext_id", *ATTRIBUTES]].astype("str"), index=False)
    monkeypatch.setattr(plan_module, "HASH_SLICE", 3)
    hashes = payload_hashes(valid)
    assert hashes.tolist() == whole.astype("uint64").astype("str").tolist() and hashes.index.equals(valid.index)
    assert hashes.nunique() == 7


def test_idn_domains_match_in_both_spellings():
    plan, _ = plan_for([{"contact_person_id": 1, "email": "Jürgen@Bücher.example", "first_name": "J"}],
                       [{"email": "jürgen@xn--bcher-kva.example", "global_attributes": {"ext_id": "1", "firstname": "J"}}])
    assert plan.is_empty and plan.unchanged_ids.tolist() == ["1"]


def test_a_folded_idn_receiver_is_matched_only_when_owned_for_the_same_contact():
    """A service that folds IDN domains (IDNA 2003) stores anna@straße.de as anna@strasse.de: the member matches
    the receiver the sync owns for her (no add and remove on every run), never a stranger's at strasse.de."""
    anna = {"contact_person_id": 1, "email": "anna@straße.de", "first_name": "A"}
    plan, _ = plan_for([anna], [{"email": "anna@strasse.de", "global_attributes": {"ext_id": "1", "firstname": "A"}}])
    assert plan.is_empty and plan.unchanged_ids.tolist() == ["1"]
    plan, _ = plan_for([anna], [{"email": "anna@strasse.de", "global_attributes": {"ext_id": "2", "firstname": "A"}}])
    assert plan.adds["contact_person_id"].tolist() == ["1"] and plan.removes["email"].tolist() == ["anna@strasse.de"]
    plan, _ = plan_for([anna], [{"email": "anna@strasse.de", "global_attributes": {"ext_id": "1"}}], owned_positions=[])
    assert plan.adds["contact_person_id"].tolist() == ["1"] and plan.adoptions.empty


def test_resolve_ownership_fills_ids_reads_stamps_and_releases():
    actual = receivers({"email": "seeded@example.org"}, {"email": "deact@example.org", "deactivated": 800},
                       {"email": "resub@example.org"}, {"email": "Moved@Example.org"})
    record = owned_frame(pd.DataFrame({
        "email_key": ["seeded@example.org", "deact@example.org", "resub@example.org", "old@example.org", "gone@example.org"],
        "receiver_id": [None, None, "2", "3", "99"],
        "contact_person_id": [1, 2, 3, 4, 5], "origin": "created", "since": None,
        "our_deactivated": [None, 0, 700, None, None],
    }))
    resolved = resolve_ownership(record, actual)
    owned = resolved.owned.set_index("email_key")
    assert owned.loc["seeded@example.org", "receiver_id"] == "0"  # filled in by e-mail
    assert owned.loc["deact@example.org", "our_deactivated"] == 800  # seeded deactivation: stamp read
    assert "resub@example.org" not in owned.index  # active again: the person's own now
    assert owned.loc["moved@example.org", "contact_person_id"] == "4"  # key follows the receiver
    assert set(resolved.drop) == {"seeded@example.org", "deact@example.org", "resub@example.org", "old@example.org",
                                  "gone@example.org"}
    assert sorted(resolved.save["email_key"]) == ["deact@example.org", "moved@example.org", "seeded@example.org"]
    assert not resolve_ownership(resolved.owned, actual).changed  # settled: nothing to write next time


@pytest.mark.parametrize("slice_rows", [1, 2, 3, 100_000])
def test_resolve_ownership_finds_moved_keys_in_any_slice(monkeypatch, slice_rows):
    import cleverreach.sync.keys as keys

    monkeypatch.setattr(keys, "COMPARE_SLICE", slice_rows)
    actual = receivers(*({"email": f"New{i}@Example.org" if i % 3 == 0 else f"same{i}@example.org"} for i in range(7)))
    record = owned_frame(pd.DataFrame({
        "email_key": [f"old{i}@example.org" if i % 3 == 0 else f"same{i}@example.org" for i in range(7)],
        "receiver_id": [str(i) for i in range(7)], "contact_person_id": list(range(7)), "origin": "created",
        "since": None, "our_deactivated": None,
    }))
    record = record.iloc[::-1].reset_index(drop=True)  # the record in another order than the group
    resolved = resolve_ownership(record, actual)
    assert sorted(resolved.save["email_key"]) == ["new0@example.org", "new3@example.org", "new6@example.org"]
    assert sorted(resolved.drop) == ["old0@example.org", "old3@example.org", "old6@example.org"]
    assert len(resolved.owned) == 7


def test_mass_removal_guard_counts_only_active_receivers_we_own():
    # 50 receivers we own are unsubscribed, 10 active ones are no longer wanted: 10 removals against a base of 10
    remote = [{"email": f"u{i}@example.org", "deactivated": 5, "global_attributes": {"ext_id": str(100 + i)}}
              for i in range(50)]
    remote += [{"email": f"a{i}@example.org", "global_attributes": {"ext_id": str(i)}} for i in range(10)]
    plan, _ = plan_for([], remote)
    assert plan.owned_count == 10 and len(plan.removes) == 10
    with pytest.raises(MassRemovalError, match="of the 10 active receivers the sync owns"):
        check_mass_removal(plan, minimum=5, share=0.2, list_label="list 1")


def test_payloads_are_built_per_batch_and_equal_the_whole():
    """The applier's bodies are built when a batch is sliced; any slicing gives the same bodies."""
    plan, _ = plan_for([{"contact_person_id": n, "email": f"m{n}@example.org", "first_name": f"F{n}"} for n in range(1, 8)], [])
    bodies = plan.add_payloads("crm_id", 1700000000)
    whole = [bodies[n] for n in range(len(bodies))]
    assert len(bodies) == 7 and bodies[-1] == whole[-1]
    assert [body for start in range(0, 7, 3) for body in bodies[start : start + 3]] == whole
    assert whole[0] == {"email": "m1@example.org", "source": "hyperspace CRM", "activated": 1700000000, "global_attributes": {
        "salutation": "", "firstname": "F1", "lastname": "", "function": "", "company": "", "crm_id": "1"}}


def test_writes_go_out_in_email_key_order_whatever_the_members_order():
    """A batch's ownership and result rows are then neighbours in their e-mail-keyed indexes."""
    plan, _ = plan_for(
        [{"contact_person_id": 1, "email": "zora@example.org"},
         {"contact_person_id": 2, "email": "Anna@example.org"},
         {"contact_person_id": 3, "email": "mia@example.org"},
         {"contact_person_id": 4, "email": "yves@example.org", "first_name": "Neu"},
         {"contact_person_id": 5, "email": "bert@example.org", "first_name": "Neu"}],
        [{"email": "yves@example.org", "global_attributes": {"ext_id": "4"}},
         {"email": "bert@example.org", "global_attributes": {"ext_id": "5"}}],
    )
    assert plan.adds["email_key"].tolist() == ["anna@example.org", "mia@example.org", "zora@example.org"]
    assert plan.adds["contact_person_id"].tolist() == ["2", "3", "1"]
    assert plan.updates["contact_person_id"].tolist() == ["5", "4"]
    assert [body["email"] for body in plan.add_payloads("ext_id", 0)] == [
        "Anna@example.org", "mia@example.org", "zora@example.org"]  # payloads follow the rows
    assert plan.adds.index.tolist() == [0, 1, 2]
