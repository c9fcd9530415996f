"""The move from hyperspace's interface (pure): what a list's first sync adopts, removes, deactivates and leaves."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import pytest

from cleverreach.enums import ChangeAction, RemovalMode
from cleverreach.sync.actual import actual_from_columns, receivers_frame
from cleverreach.sync.desired import prepare_desired
from cleverreach.sync.diff import diff
from cleverreach.sync.ownership import OWNED_COLUMNS, owned_frame, resolve_ownership
from cleverreach.sync.plan import check_mass_removal
from cleverreach.sync.changes import CHANGE_COLUMNS, change_rows
from cleverreach.sync.takeover import (
    HOLD_REASON,
    STALE_REASON,
    UNSUBSCRIBED_BEFORE,
    UNSUBSCRIBED_HERE,
    take_over,
)

UNSUB = {"deactivated": 1_700_000_100}
BOUNCED = {"bounced": 1_700_000_200}
PENDING = {"activated": 0}


def member(cid: int, email: str, **fields) -> dict:
    return {"contact_person_id": cid, "email": email, "sync_state": "pending", "sync_error": None, "salutation": None,
            "first_name": None, "last_name": None, "function": None, "company": None, **fields}


def rcv(email: str, ext_id: str = "", **fields) -> dict:
    return {"email": email, "activated": 1_700_000_000, "deactivated": 0, "bounced": 0,
            "global_attributes": {"ext_id": ext_id} if ext_id else {}, **fields}


def first_sync(member_rows: list[dict], receiver_rows: list[dict], record: pd.DataFrame | None = None, *,
               first: bool = True):
    """The pure pipeline of one list's sync, as ``ListSync.plan`` runs it: (plan, takeover, actual)."""
    valid, _ = prepare_desired(pd.DataFrame(member_rows))
    actual = receivers_frame([[{"id": str(100 + i), **row} for i, row in enumerate(receiver_rows)]])
    ownership = resolve_ownership(owned_frame(record), actual)
    takeover = take_over(valid, actual, ownership, first=first)
    plan = takeover.settle(diff(takeover.desired, actual, takeover.ownership.owned))
    return plan, takeover, actual


def removals(plan) -> dict[str, tuple[str, bool]]:
    """e-mail -> (reason, deactivated whatever the removal mode)."""
    return {r.email: (r.reason, bool(d)) for r, d in zip(plan.removes.itertuples(), plan.deactivating)}


# ---------------------------------------------------------------------- the table of cases
# name: (members, receivers, adds, removes {email: (reason, forced deactivation)}, unsubscribed {cid: reason},
#        adopted by the takeover (e-mail keys), adopted by e-mail through the diff)
NEW, OLD, OLD2 = "new@example.org", "old@example.org", "old2@example.org"
CASES = {
    "e-mail changed": (
        [member(1, NEW)], [rcv(OLD, "1")],
        [NEW], {OLD: (STALE_REASON, False)}, {}, [OLD], []),
    "e-mail changed, the new address already in the group": (
        [member(1, NEW)], [rcv(OLD, "1"), rcv(NEW)],
        [], {OLD: (STALE_REASON, False)}, {}, [OLD], [NEW]),
    "e-mail unchanged": (
        [member(1, NEW)], [rcv(NEW, "1")],
        [], {}, {}, [], [NEW]),
    "stale unsubscribed": (
        [member(1, NEW)], [rcv(OLD, "1", **UNSUB)],
        [], {}, {"1": UNSUBSCRIBED_BEFORE}, [], []),
    "stale unsubscribed, the new address active": (
        [member(1, NEW)], [rcv(OLD, "1", **UNSUB), rcv(NEW, "1")],
        [], {NEW: (HOLD_REASON, True)}, {"1": UNSUBSCRIBED_BEFORE}, [], []),
    "stale unsubscribed, the new address pending": (
        [member(1, NEW)], [rcv(OLD, "1", **UNSUB), rcv(NEW, **PENDING)],
        [], {NEW: (HOLD_REASON, True)}, {"1": UNSUBSCRIBED_BEFORE}, [], []),
    "current unsubscribed, the stale one active": (
        [member(1, NEW)], [rcv(OLD, "1"), rcv(NEW, "1", **UNSUB)],
        [], {OLD: (HOLD_REASON, True)}, {"1": UNSUBSCRIBED_HERE}, [], []),
    "stale bounced": (
        [member(1, NEW)], [rcv(OLD, "1", **BOUNCED)],
        [NEW], {}, {}, [OLD], []),
    "stale pending": (
        [member(1, NEW)], [rcv(OLD, "1", **PENDING)],
        [NEW], {OLD: (STALE_REASON, False)}, {}, [OLD], []),
    "ext_id of a contact not on this list": (
        [member(1, NEW)], [rcv(OLD, "2"), rcv("x@example.org", "2", **UNSUB)],
        [NEW], {}, {}, [], []),
    "ext_id naming nobody, or malformed": (
        [member(1, NEW)], [rcv("a@example.org", "999"), rcv("b@example.org", "1.0"), rcv("c@example.org", "01"),
                           rcv("d@example.org", "x1"), rcv("e@example.org", "1", **BOUNCED, **UNSUB)],
        [NEW], {}, {}, ["e@example.org"], []),
    "two stale receivers": (
        [member(1, NEW)], [rcv(OLD, "1"), rcv(OLD2, "1")],
        [NEW], {OLD: (STALE_REASON, False), OLD2: (STALE_REASON, False)}, {}, [OLD, OLD2], []),
    "two stale receivers, one unsubscribed": (
        [member(1, NEW)], [rcv(OLD, "1", **UNSUB), rcv(OLD2, "1")],
        [], {OLD2: (HOLD_REASON, True)}, {"1": UNSUBSCRIBED_BEFORE}, [], []),
    "the old address is another member's now": (
        [member(1, NEW), member(2, OLD)], [rcv(OLD, "1")],
        [NEW], {}, {}, [], [OLD]),
    "an unsubscribed person does not hold another member": (
        [member(1, NEW), member(2, "two@example.org")], [rcv(OLD, "1", **UNSUB), rcv(OLD2, "2")],
        ["two@example.org"], {OLD2: (STALE_REASON, False)}, {"1": UNSUBSCRIBED_BEFORE}, [OLD2], []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_first_sync(name):
    member_rows, receiver_rows, adds, removes, unsubscribed, adopted, by_email = CASES[name]
    plan, takeover, _ = first_sync(member_rows, receiver_rows)
    assert sorted(plan.adds["email"]) == sorted(adds)
    assert removals(plan) == removes
    assert dict(zip(plan.unsubscribed["contact_person_id"], plan.unsubscribed["reason"])) == unsubscribed
    record = takeover.ownership.save
    assert sorted(record["email_key"]) == sorted(adopted)
    assert set(record["origin"]) <= {"adopted"}
    assert sorted(plan.adoptions["email_key"].tolist() + plan.updates["email_old"].str.lower().tolist()) == by_email
    held = set(unsubscribed)
    assert not set(takeover.desired["contact_person_id"]) & held  # never added, updated or reactivated
    assert plan.reactivations.empty


def test_the_adopted_stale_receiver_is_recorded_for_its_member():
    _, takeover, actual = first_sync([member(1, NEW), member(2, "b@example.org")], [rcv(OLD, "1"), rcv("x@example.org", "2")])
    record = takeover.ownership.save.set_index("email_key")
    assert record.loc[OLD, "contact_person_id"] == "1" and record.loc["x@example.org", "contact_person_id"] == "2"
    assert record.loc[OLD, "receiver_id"] == actual.loc[actual["email"] == OLD, "receiver_id"].item()
    assert takeover.ownership.owned["email_key"].tolist() == [OLD, "x@example.org"]


@pytest.mark.parametrize("mode", [RemovalMode.DELETE, RemovalMode.DEACTIVATE])
def test_removal_mode_decides_for_stale_receivers_never_for_an_unsubscribed_person(mode):
    plan, _, _ = first_sync(
        [member(1, NEW), member(2, "two@example.org")],
        [rcv(OLD, "1"), rcv(OLD2, "2", **UNSUB), rcv("two@example.org", "2")],
    )
    rows = [dict(zip(CHANGE_COLUMNS, row)) for chunk in change_rows(7, 1, plan, prepare_desired(pd.DataFrame())[1],
                                                                     removal_mode=mode) for row in chunk]
    actions = {(row["email"], row["action"], row["reason"]) for row in rows if row["action"] != ChangeAction.ADD}
    stale = ChangeAction.REMOVE if mode == RemovalMode.DELETE else ChangeAction.DEACTIVATE
    assert actions == {
        (OLD, stale, STALE_REASON),
        ("two@example.org", ChangeAction.DEACTIVATE, HOLD_REASON),  # in both modes
        ("two@example.org", ChangeAction.KEEP, UNSUBSCRIBED_BEFORE),  # the member, left unsubscribed
    }


def test_the_guard_counts_stale_removals():
    stale = [rcv(f"old{i}@example.org", str(i)) for i in range(11)]
    plan, _, _ = first_sync([member(i, f"new{i}@example.org") for i in range(11)], stale)
    assert len(plan.removes) == 11 and plan.owned_count == 11
    with pytest.raises(Exception, match="an admin approves this blocked plan"):
        check_mass_removal(plan, minimum=10, share=0.2, list_label="list 1")


def test_the_guard_weighs_stale_removals_against_the_addresses_adopted_by_email():
    """A group that hyperspace filled: 90 current addresses adopted by e-mail and 11 stale ones. The guard's
    base is what the list owns after the run (101), so 11 removals pass at 20 %; 30 stale of 60 do not."""
    members = [member(i, f"new{i}@example.org") for i in range(101)]
    receivers = [rcv(f"new{i}@example.org", str(i)) for i in range(90)] + [rcv(f"old{i}@example.org", str(i)) for i in range(90, 101)]
    plan, _, _ = first_sync(members, receivers)
    assert len(plan.removes) == 11 and plan.owned_count == 101
    check_mass_removal(plan, minimum=10, share=0.2, list_label="list 1")

    members = [member(i, f"new{i}@example.org") for i in range(60)]
    receivers = [rcv(f"new{i}@example.org", str(i)) for i in range(30)] + [rcv(f"old{i}@example.org", str(i)) for i in range(30, 60)]
    plan, _, _ = first_sync(members, receivers)
    assert len(plan.removes) == 30 and plan.owned_count == 60
    with pytest.raises(Exception, match="an admin approves this blocked plan"):
        check_mass_removal(plan, minimum=10, share=0.2, list_label="list 1")


def test_only_the_first_sync_takes_over():
    plan, takeover, _ = first_sync([member(1, NEW)], [rcv(OLD, "1"), rcv(OLD2, "1", **UNSUB)], first=False)
    assert takeover.ownership.save.empty and plan.removes.empty
    assert plan.adds.empty and plan.unsubscribed["contact_person_id"].tolist() == ["1"]  # the diff's own rule


def _record(actual: pd.DataFrame, emails: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """An ownership record: e-mail -> (contact id, our deactivation stamp or -1)."""
    rows = actual.set_index("email").loc[list(emails)]
    return owned_frame(pd.DataFrame({
        "email_key": rows["email_key"].to_numpy(), "receiver_id": rows["receiver_id"].to_numpy(),
        "contact_person_id": [cid for cid, _ in emails.values()], "origin": "adopted", "since": None,
        "our_deactivated": [stamp for _, stamp in emails.values()]}, columns=OWNED_COLUMNS))


@pytest.mark.parametrize("mode", [RemovalMode.DELETE, RemovalMode.DEACTIVATE])
def test_the_second_sync_does_nothing_more(mode):
    """The group and the record as the first sync left them; the member unsubscribed in the CRM by it."""
    stamp = 1_700_000_500
    after = [rcv(NEW, "1"),  # added
             rcv("p@example.org", "2", **UNSUB),  # the person's, unsubscribed before the move
             rcv("q@example.org", "2", deactivated=stamp),  # the person's current address, held (not ours)
             rcv("stranger@example.org", "77")]
    if mode == RemovalMode.DEACTIVATE:
        after.append(rcv(OLD, "1", deactivated=stamp))  # the stale one, deactivated by the sync
    members = [member(1, NEW), member(2, "q@example.org", sync_state="unsubscribed")]
    valid, _ = prepare_desired(pd.DataFrame(members))
    actual = receivers_frame([[{"id": str(100 + i), **row} for i, row in enumerate(after)]])
    record = {NEW: (1, -1), **({OLD: (1, stamp)} if mode == RemovalMode.DEACTIVATE else {})}
    ownership = resolve_ownership(_record(actual, record), actual)
    for first in (False, True):  # also if it were taken for a first sync again (a partial first run)
        takeover = take_over(valid, actual, ownership, first=first)
        plan = takeover.settle(diff(takeover.desired, actual, takeover.ownership.owned))
        assert plan.is_empty and not takeover.ownership.changed
        assert plan.unsubscribed["contact_person_id"].tolist() == ["2"]


def test_a_record_of_an_unfinished_run_is_released_for_an_unsubscribed_person():
    """A first run that created the new address failed; the old address was unsubscribed meanwhile."""
    valid, _ = prepare_desired(pd.DataFrame([member(1, NEW)]))
    actual = receivers_frame([[{"id": "1", **rcv(OLD, "1", **UNSUB)}, {"id": "2", **rcv(NEW, "1")}]])
    ownership = resolve_ownership(_record(actual, {NEW: (1, -1)}), actual)
    takeover = take_over(valid, actual, ownership, first=True)
    plan = takeover.settle(diff(takeover.desired, actual, takeover.ownership.owned))
    assert takeover.ownership.owned.empty and takeover.ownership.drop == [NEW]
    assert removals(plan) == {NEW: (HOLD_REASON, True)}


def test_a_receiver_deactivated_by_the_sync_is_no_unsubscribe():
    valid, _ = prepare_desired(pd.DataFrame([member(1, NEW)]))
    actual = receivers_frame([[{"id": "1", **rcv(OLD, "1", deactivated=500)}]])
    ownership = resolve_ownership(_record(actual, {OLD: (1, 500)}), actual)
    takeover = take_over(valid, actual, ownership, first=True)
    plan = takeover.settle(diff(takeover.desired, actual, takeover.ownership.owned))
    assert plan.adds["email"].tolist() == [NEW] and plan.removes.empty and plan.unsubscribed.empty


def test_text_contact_keys_compare_as_text():
    """The members' contact ids as the keys helper makes them (text): the same result."""
    valid, _ = prepare_desired(pd.DataFrame([member(1, NEW), member(2, "b@example.org")]))
    valid["contact_person_id"] = valid["contact_person_id"].astype(str)
    actual = receivers_frame([[{"id": "1", **rcv(OLD, "1")}, {"id": "2", **rcv(OLD2, "2", **UNSUB)}]])
    takeover = take_over(valid, actual, resolve_ownership(owned_frame(None), actual), first=True)
    assert takeover.stale.tolist() == ["1"] and takeover.held["contact_person_id"].tolist() == ["2"]
    assert takeover.desired["contact_person_id"].tolist() == ["1"]


def test_vectorised_over_a_million_receivers():
    n = 1_000_000
    ids = np.arange(n)
    valid = pd.DataFrame({"contact_person_id": ids, "email": [f"n{i}@example.org" for i in ids],
                          "sync_state": "synced"})
    valid["email_key"] = valid["email"]
    actual = actual_from_columns({
        "receiver_id": [str(i) for i in ids], "email": [f"o{i}@example.org" if i % 10 == 0 else f"n{i}@example.org" for i in ids],
        "ext_id": [str(i) for i in ids], "activated": [1] * n, "deactivated": [5 if i % 1000 == 0 else 0 for i in ids],
        "bounced": [0] * n, **{name: [""] * n for name in ("salutation", "firstname", "lastname", "function", "company")},
    })
    ownership = resolve_ownership(owned_frame(None), actual)
    calls = 0

    def count(frame, event, arg):  # Python calls, generator resumptions and C calls: a loop per receiver shows
        nonlocal calls
        calls += 1

    sys.setprofile(count)
    try:
        takeover = take_over(valid, actual, ownership, first=True)
    finally:
        sys.setprofile(None)
    assert len(takeover.held) == 1000 and len(takeover.ownership.save) == 99_000
    # vectorised: index look-ups over whole columns, whatever the machine's load (no timing asserted); a Python
    # step per receiver would make at least a million calls
    assert calls < 200_000, calls


def test_a_withdrawn_members_old_receiver_is_deleted_and_a_non_members_is_not():
    """No marketing in the CRM: the receiver hyperspace left for that member (found by its ext_id only) is
    deleted like any receiver of a withdrawn contact; one naming a withdrawn contact of no list stays."""
    members = pd.DataFrame([member(7, "anna.new@example.org", no_marketing=True), member(8, "bernd@example.org")])
    valid, _ = prepare_desired(members)
    from cleverreach.sync.withdrawn import combine, withdrawn_frame

    members_withdrawn = withdrawn_frame(members)
    actual = receivers_frame([[{"id": str(100 + i), **row} for i, row in enumerate([
        rcv("anna.old@example.org", "7"), rcv("bernd@example.org", "8"), rcv("stranger@example.org", "99")])]])
    ownership = resolve_ownership(owned_frame(None), actual)
    takeover = take_over(valid, actual, ownership, first=True, withdrawn=members_withdrawn)
    withdrawn = combine(members_withdrawn, pd.DataFrame({"contact_person_id": [99], "email_key": [""],
                                                         "reason": ["no marketing (flag in the CRM)"]}))
    plan = takeover.settle(diff(takeover.desired, actual, takeover.ownership.owned, None, withdrawn))
    erased = plan.removes[plan.erasing.to_numpy(dtype=bool)]
    assert erased["email"].tolist() == ["anna.old@example.org"]
    assert plan.removes["email"].tolist() == ["anna.old@example.org"]
    assert takeover.ownership.save["email_key"].tolist() == ["anna.old@example.org"]

    later = take_over(valid, actual, ownership, first=False, withdrawn=members_withdrawn)
    assert later.ownership is ownership  # only the first sync takes anything over
