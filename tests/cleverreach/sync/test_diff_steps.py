"""The diff's named steps one by one (``test_diff`` checks the whole plan they make together)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleverreach.sync.actual import receivers_frame
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import REFUSAL_COLUMNS
from cleverreach.sync.diff_steps import (
    adoptions,
    attribute_changes,
    consent,
    contact_of,
    held_back,
    hold_refused,
    match_members,
    new_members,
    owner_changes,
    reactivations,
    receiver_states,
    removals,
    unique_receivers,
    update_reasons,
    updates_to_write,
    withdrawn_receivers,
)
from cleverreach.sync.keys import NO_KEY
from cleverreach.sync.ownership import owned_frame
from cleverreach.sync.plan import empty_frame


def members(*rows: dict) -> pd.DataFrame:
    base = {"sync_state": "synced", "sync_error": None, "salutation": None, "first_name": None,
            "last_name": None, "function": None, "company": None}
    valid, rejected = prepare_desired(pd.DataFrame([{**base, **row} for row in rows]))
    assert rejected.empty
    return valid


def receivers(*rows: dict) -> pd.DataFrame:
    return receivers_frame([[{"id": f"r{i}", "activated": 1, "deactivated": 0, "bounced": 0, **row}
                             for i, row in enumerate(rows)]])


def record(actual: pd.DataFrame, owners: dict[int, object], stamps: dict[int, int] | None = None) -> pd.DataFrame:
    """The ownership record of the receivers at the given positions, for the given contacts."""
    rows = actual.iloc[list(owners)]
    return owned_frame(pd.DataFrame({
        "email_key": rows["email_key"], "receiver_id": rows["receiver_id"], "contact_person_id": list(owners.values()),
        "origin": "created", "since": None, "our_deactivated": [(stamps or {}).get(p, -1) for p in owners],
    }))


def steps(desired: pd.DataFrame, actual: pd.DataFrame, owned: pd.DataFrame | None = None):
    """The steps up to the match, as ``diff`` runs them."""
    actual = unique_receivers(actual)
    owned = owned_frame(owned)
    states = receiver_states(actual, owned)
    return actual, owned, states, match_members(desired, actual, states)


def test_a_repeated_receiver_is_kept_once_the_first():
    actual = pd.concat([receivers({"email": "a@example.org", "global_attributes": {"firstname": "First"}}),
                        receivers({"email": "A@example.org", "global_attributes": {"firstname": "Second"}})],
                       ignore_index=True)
    unique = unique_receivers(actual)
    assert unique["firstname"].tolist() == ["First"] and unique["email_key"].tolist() == ["a@example.org"]
    assert unique.index.tolist() == [0]


def test_receiver_states_ownership_by_record_and_consent_by_stamp():
    actual = receivers(
        {"email": "live@example.org"},
        {"email": "pending@example.org", "activated": 0},
        {"email": "ours-off@example.org", "deactivated": 50},  # deactivated by the sync: stamp 50 recorded
        {"email": "theirs-off@example.org", "deactivated": 60},  # recorded as ours, but another stamp
        {"email": "bounced@example.org", "deactivated": 70, "bounced": 70},  # a bounce outranks our stamp
        {"email": "stranger@example.org", "deactivated": 80, "global_attributes": {"ext_id": "9"}},
    )
    states = receiver_states(actual, record(actual, {0: 1, 1: 2, 2: 3, 3: 4, 4: 5}, stamps={2: 50, 3: 59, 4: 70}))
    assert states.ours.tolist() == [True, True, True, True, True, False]
    assert states.owner_cid.tolist() == ["1", "2", "3", "4", "5", NO_KEY]
    assert states.own_pos.tolist() == [0, 1, 2, 3, 4, -1]
    assert states.live.tolist() == [True, True, False, False, False, False]
    assert states.pending.tolist() == [False, True, False, False, False, False]
    assert states.by_us.tolist() == [False, False, True, False, False, False]
    assert states.unsubscribed.tolist() == [False, False, False, True, False, True]
    assert states.bounced.tolist() == [False, False, False, False, True, False]
    assert states.owned_count == 1  # ours, live and confirmed: the live one only


def test_receiver_states_without_a_record():
    states = receiver_states(receivers({"email": "a@example.org"}), owned_frame())
    assert states.ours.tolist() == [False] and states.owner_cid.tolist() == [NO_KEY] and states.owned_count == 0


def test_contact_of_prefers_the_record_to_the_ext_id():
    actual = receivers({"email": "a@example.org", "global_attributes": {"ext_id": "7"}},
                       {"email": "b@example.org", "global_attributes": {"ext_id": " 8 "}},
                       {"email": "c@example.org", "global_attributes": {}})
    states = receiver_states(actual, record(actual, {0: 1}))
    assert contact_of(actual, states, np.array([True, True, True])).tolist() == ["1", "8", NO_KEY]
    assert contact_of(actual, states, np.array([False, True, False])).tolist() == ["8"]
    assert contact_of(actual, states, np.zeros(3, dtype=bool)).tolist() == []


def test_match_by_key_and_the_matched_receivers_consent():
    desired = members({"contact_person_id": 1, "email": "Live@Example.org"},
                      {"contact_person_id": 2, "email": "new@example.org"},
                      {"contact_person_id": 3, "email": "back@example.org"},
                      {"contact_person_id": 4, "email": "stays-off@example.org", "sync_state": "unsubscribed"},
                      {"contact_person_id": 5, "email": "bounced@example.org"},
                      {"contact_person_id": 6, "email": "off@example.org"})
    actual = receivers({"email": "off@example.org", "deactivated": 9},
                       {"email": "bounced@example.org", "bounced": 9},
                       {"email": "stays-off@example.org", "deactivated": 40},
                       {"email": "back@example.org", "deactivated": 30},
                       {"email": "live@example.org", "activated": 0})
    _, _, _, match = steps(desired, actual, record(actual, {2: 4, 3: 3, 4: 1}, stamps={2: 40, 3: 30}))
    assert match.matched.tolist() == [True, False, True, True, True, True]
    assert match.rows.tolist() == [0, 2, 3, 4, 5] and match.at.tolist() == [4, 3, 2, 1, 0]
    assert match.cids.tolist() == ["1", "3", "4", "5", "6"] and match.unmatched.tolist() == [1]
    assert match.live.tolist() == [True, False, False, False, False]
    assert match.pending.tolist() == [True, False, False, False, False]
    assert match.reactivate.tolist() == [False, True, False, False, False]  # the CRM's unsubscribe holds for 4
    assert match.unsubscribed.tolist() == [False, False, True, False, True]
    assert match.bounced.tolist() == [False, False, False, True, False]
    assert match.writable.tolist() == [True, True, False, False, False]


def test_a_folded_idn_address_matches_only_our_receiver_of_the_same_contact():
    desired = members({"contact_person_id": 1, "email": "a@straße.de"}, {"contact_person_id": 2, "email": "b@straße.de"})
    actual = receivers({"email": "a@strasse.de"}, {"email": "b@strasse.de"})
    _, _, _, match = steps(desired, actual, record(actual, {0: 1, 1: 9}))
    assert match.matched.tolist() == [True, False]  # b's folded receiver is recorded for another contact
    assert match.at.tolist() == [0]
    _, _, _, unowned = steps(desired, actual)
    assert not unowned.matched.any()


def test_changes_updates_and_adoptions():
    desired = members({"contact_person_id": 1, "email": "a@example.org", "first_name": "Neu", "company": "C"},
                      {"contact_person_id": 2, "email": "b@example.org", "first_name": "Eva"},
                      {"contact_person_id": 3, "email": "c@example.org"},
                      {"contact_person_id": 4, "email": "d@example.org", "first_name": "X"},
                      {"contact_person_id": 5, "email": "e@example.org"})
    actual = receivers({"email": "a@example.org", "global_attributes": {"ext_id": "1", "firstname": "Alt"}},
                       {"email": "b@example.org", "global_attributes": {"ext_id": "8", "firstname": "Eva"}},
                       {"email": "c@example.org", "global_attributes": {}},  # not ours, no ext_id yet
                       {"email": "d@example.org", "deactivated": 5, "global_attributes": {"ext_id": "4"}},
                       {"email": "e@example.org", "activated": 0, "global_attributes": {"ext_id": "5"}})
    actual, _, _, match = steps(desired, actual, record(actual, {0: 1, 1: 2, 3: 4}))
    changes = attribute_changes(desired, actual, match)
    assert changes.attributes["firstname"].tolist() == [True, False, False, True, False]
    assert changes.attributes["company"].tolist() == [True, False, False, False, False]
    assert changes.ext_id.tolist() == [False, True, True, False, False]
    assert changes.any.tolist() == [True, True, True, True, False]
    updates = updates_to_write(desired, actual, match, changes)  # d: unsubscribed, never written to
    assert updates["contact_person_id"].tolist() == ["1", "2", "3"]
    assert updates["reason"].tolist() == ["changed: firstname, company", "ext_id was 8", "adopted: matched by e-mail"]
    assert updates["adopt"].tolist() == [False, False, True]
    assert updates["firstname_old"].tolist() == ["Alt", "Eva", ""] and updates["receiver_id"].tolist() == ["r0", "r1", "r2"]
    assert updates["payload_hash"].notna().all()
    adopted = adoptions(actual, match, changes)  # e: not ours, nothing to write, recorded all the same
    assert adopted.to_dict("records") == [{"receiver_id": "r4", "email_key": "e@example.org", "contact_person_id": "5",
                                           "pending": True}]


def test_update_reasons_combine_ext_id_and_attributes():
    updates = pd.DataFrame({"ext_id": ["1", "2", "3"], "ext_id_old": ["1", "7", "9"], "adopt": [False, False, True]})
    changed = {"firstname": np.array([True, True, False]), "company": np.array([False, True, False])}
    assert update_reasons(updates, changed).tolist() == [
        "changed: firstname", "ext_id was 7; changed: firstname, company", "adopted: matched by e-mail"]
    assert update_reasons(updates.iloc[:0], {k: v[:0] for k, v in changed.items()}).tolist() == []


def test_owner_changes_follow_the_contact_and_reactivations_only_our_own():
    desired = members({"contact_person_id": 2, "email": "shared@example.org"},
                      {"contact_person_id": 3, "email": "back@example.org"})
    actual = receivers({"email": "shared@example.org", "global_attributes": {"ext_id": "2"}},
                       {"email": "back@example.org", "deactivated": 30, "global_attributes": {"ext_id": "3"}})
    actual, owned, states, match = steps(desired, actual, record(actual, {0: 1, 1: 3}, stamps={1: 30}))
    changes = attribute_changes(desired, actual, match)
    moved = owner_changes(owned, states, match, changes)
    assert moved["receiver_id"].tolist() == ["r0"] and moved["contact_person_id"].tolist() == ["2"]
    back = reactivations(actual, match)
    assert back["receiver_id"].tolist() == ["r1"] and back["contact_person_id"].tolist() == ["3"]
    assert back.columns.tolist() == ["receiver_id", "email", "email_key", "contact_person_id", "reason"]


def test_an_unsubscribe_holds_back_the_person_under_a_new_address():
    desired = members({"contact_person_id": 1, "email": "new1@example.org"},  # unsubscribed on its old receiver
                      {"contact_person_id": 2, "email": "new2@example.org", "sync_state": "unsubscribed"},
                      {"contact_person_id": 3, "email": "new3@example.org", "sync_state": "unsubscribed"},
                      {"contact_person_id": 4, "email": "new4@example.org"},  # its old receiver bounced only
                      {"contact_person_id": 5, "email": "new5@example.org"})
    actual = receivers({"email": "old1@example.org", "deactivated": 5, "global_attributes": {"ext_id": "1"}},
                       {"email": "old3@example.org", "deactivated": 5, "global_attributes": {"ext_id": "3"}},
                       {"email": "old4@example.org", "bounced": 5, "global_attributes": {"ext_id": "4"}})
    actual, _, states, match = steps(desired, actual)
    remote, crm = held_back(desired, actual, states, match)
    assert remote.tolist() == [True, False, True, False, False]
    assert crm.tolist() == [False, True, False, False, False]  # 3 counts once, as held by CleverReach
    adds = new_members(desired, match, remote | crm)
    assert adds["contact_person_id"].tolist() == ["4", "5"] and adds.index.tolist() == [0, 1]
    assert set(adds["reason"]) == {"new member"} and adds["payload_hash"].notna().all()


def test_adds_and_updates_come_in_e_mail_key_order_with_their_own_old_values():
    """The writes go out by e-mail key (``by_email_key``), whatever order the CRM listed its members in; an
    update's old values and receiver stay those of its own receiver."""
    desired = members({"contact_person_id": 1, "email": "Zoe@example.org", "first_name": "Z"},
                      {"contact_person_id": 2, "email": "mia@example.org", "first_name": "M"},
                      {"contact_person_id": 3, "email": "ALF@example.org", "first_name": "A"},
                      {"contact_person_id": 4, "email": "zz@example.org"},
                      {"contact_person_id": 5, "email": "bo@example.org"},
                      {"contact_person_id": 6, "email": "kai@example.org"})
    actual = receivers({"email": "zoe@example.org", "global_attributes": {"ext_id": "1", "firstname": "z0"}},
                       {"email": "alf@example.org", "global_attributes": {"ext_id": "3", "firstname": "a0"}},
                       {"email": "mia@example.org", "global_attributes": {"ext_id": "2", "firstname": "m0"}})
    actual, _, states, match = steps(desired, actual, record(actual, {0: 1, 1: 3, 2: 2}))
    updates = updates_to_write(desired, actual, match, attribute_changes(desired, actual, match))
    assert updates["email_key"].tolist() == ["alf@example.org", "mia@example.org", "zoe@example.org"]
    assert updates[["contact_person_id", "receiver_id", "firstname_old", "firstname"]].values.tolist() == [
        ["3", "r1", "a0", "A"], ["2", "r2", "m0", "M"], ["1", "r0", "z0", "Z"]]
    assert updates["reason"].tolist() == ["changed: firstname"] * 3
    adds = new_members(desired, match, np.zeros(int((~match.matched).sum()), dtype=bool))
    assert adds["contact_person_id"].tolist() == ["5", "6", "4"] and adds.index.tolist() == [0, 1, 2]


def test_consent_rows_name_the_member_and_the_reason():
    desired = members({"contact_person_id": 1, "email": "a@example.org"}, {"contact_person_id": 2, "email": "b@example.org"})
    rows = consent(desired, np.array([1]), "bounced in CleverReach")
    assert rows.to_dict("records") == [{"contact_person_id": "2", "email": "b@example.org", "reason": "bounced in CleverReach"}]
    assert consent(desired, np.array([], dtype=int), "x").columns.tolist() == ["contact_person_id", "email", "reason"]


def test_a_refused_write_is_held_until_its_payload_changes():
    frame = pd.DataFrame({"contact_person_id": ["1", "2", "3"], "email": ["a@x.org", "b@x.org", "c@x.org"],
                          "payload_hash": ["h1", "h2", "h3"]})
    refusals = pd.DataFrame({"contact_person_id": [1, 2, 3], "action": ["add", "add", "update"],
                             "payload_hash": ["h1", "old", "h3"], "reason": ["blocked address", "x", "y"]})
    sent, refused = hold_refused(frame, refusals, "add", "rejected")
    assert sent["contact_person_id"].tolist() == ["2", "3"]  # 2 changed since; 3's refusal was of an update
    assert refused.to_dict("records") == [{
        "contact_person_id": "1", "email": "a@x.org", "sync_state": "rejected", "action": "add",
        "reason": "refused by CleverReach before, not sent again until the e-mail or attributes change: blocked address"}]
    sent, refused = hold_refused(frame, empty_frame(REFUSAL_COLUMNS), "add", "rejected")
    assert len(sent) == 3 and refused.empty


def test_removals_only_of_our_live_receivers_nobody_wants():
    desired = members({"contact_person_id": 1, "email": "kept@example.org"}, {"contact_person_id": 2, "email": "new@example.org"})
    actual = receivers({"email": "kept@example.org", "global_attributes": {"ext_id": "1"}},
                       {"email": "old@example.org", "global_attributes": {"ext_id": "2"}},  # 2 changed address
                       {"email": "left@example.org", "global_attributes": {"ext_id": "9"}},
                       {"email": "off@example.org", "deactivated": 5, "global_attributes": {"ext_id": "8"}},
                       {"email": "form@example.org"})  # not ours
    actual, _, states, match = steps(desired, actual, record(actual, {0: 1, 1: 2, 2: 9, 3: 8}))
    removes = removals(actual, states, match, None)
    assert removes["receiver_id"].tolist() == ["r1", "r2"]
    assert removes["reason"].tolist() == ["e-mail changed in the CRM", "no longer on the list"]
    assert removes["contact_person_id"].tolist() == ["2", "9"] and not removes["erase"].any()


def test_withdrawn_receivers_are_erased_whatever_their_state_unless_wanted():
    desired = members({"contact_person_id": 1, "email": "wanted@example.org"})
    actual = receivers({"email": "wanted@example.org"},  # withdrawn by address, but a member wants it
                       {"email": "off@example.org", "deactivated": 5},  # ours, for withdrawn contact 3
                       {"email": "form@example.org", "bounced": 5},  # not ours, a withdrawn member's address
                       {"email": "other@example.org"})
    actual, _, states, match = steps(desired, actual, record(actual, {1: 3}))
    withdrawn = pd.DataFrame({"contact_person_id": [3, 4, 5], "email_key": ["", "form@example.org", "wanted@example.org"],
                              "reason": ["deleted or anonymised in the CRM", "no marketing (flag in the CRM)", "x"]})
    erase, cids, reasons = withdrawn_receivers(actual, states.owner_cid, withdrawn, np.array([False, True, True, True]))
    assert erase.tolist() == [False, True, True, False] and cids.tolist() == ["5", "3", "4", NO_KEY]
    assert reasons.tolist() == ["", "deleted or anonymised in the CRM", "no marketing (flag in the CRM)", ""]
    removes = removals(actual, states, match, withdrawn)
    assert removes["receiver_id"].tolist() == ["r1", "r2"] and removes["erase"].tolist() == [True, True]
    assert removes["reason"].tolist() == ["deleted or anonymised in the CRM: deleted from the group",
                                          "no marketing (flag in the CRM): deleted from the group"]
    nothing = withdrawn_receivers(actual, states.owner_cid, None, np.ones(4, dtype=bool))
    assert not nothing[0].any() and set(nothing[1]) == {NO_KEY} and set(nothing[2]) == {""}
    assert nothing[1].strides == nothing[2].strides == (0,)  # views of one value, not arrays of a million


def test_typed_receiver_rows_read_as_their_dicts():
    """The hook's typed rows (``ReceiverRow``) and the same receivers as dicts give the same frame: ids and
    counters as sent, attributes as text, a missing or non-object ``global_attributes`` as none."""
    import msgspec

    from cleverreach.hooks.responses import RECEIVER_PAGE

    page = [{"id": 5, "email": "A@Example.org", "activated": "17", "deactivated": None, "bounced": 0,
             "global_attributes": {"ext_id": " 12 ", "firstname": "Anna", "company": None}, "tags": ["x"]},
            {"id": "r6", "email": None, "activated": 1, "global_attributes": []},
            {"id": "r7", "email": "c@example.org", "deactivated": 99}]
    rows = RECEIVER_PAGE.decode(msgspec.json.encode(page))
    typed, plain = receivers_frame([rows]), receivers_frame([page])
    pd.testing.assert_frame_equal(typed, plain)
    assert typed["receiver_id"].tolist() == ["5", "r6", "r7"] and typed["ext_id"].tolist() == ["12", "", ""]
    assert typed["activated"].tolist() == [17, 1, 0] and typed["deactivated"].tolist() == [0, 0, 99]
    assert typed["firstname"].tolist() == ["Anna", "", ""] and typed["email"].tolist() == ["A@Example.org", "", "c@example.org"]
