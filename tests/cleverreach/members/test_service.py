"""The dialog's writes on SQLite and PostgreSQL: add and remove in one transaction each, refusals before anything
is written (another tenant's addresses or contacts, unknown ids, an unknown, inactive or gone list)."""

from __future__ import annotations

import pytest
from helpers.crm_seed import fetch
from sqlalchemy import text

from cleverreach.audit.actor import Actor
from cleverreach.exceptions import RecipientListError, TenantNotFoundError
from cleverreach.members.selection import MemberSelection, SelectionError
from cleverreach.members.service import MemberDialog

ACTOR = Actor.of(None, "cleverreach_manage_members", "r1")


def members(engine, list_id: int) -> dict[int, dict]:
    rows = fetch(engine, "SELECT * FROM recipient_list_member WHERE list_id = :l", l=list_id)
    return {r["contact_person_id"]: r for r in rows}


def test_add_is_idempotent_and_counts_unusable_emails(crm, crm_engine, monkeypatch):
    monkeypatch.setattr("cleverreach.members.store.CHUNK", 2)  # several statements per transaction
    store, list_id = MemberDialog(crm_engine), crm["Newsletter"]
    change = store.apply(MemberSelection("acme", list_id, letter="A"), ACTOR)
    assert change.counts() == {
        "tenant_id": "acme", "list_id": str(list_id), "action": "add", "matched": 3, "added": 3, "already_present": 0,
        "removed": 0, "not_on_list": 0, "without_valid_email": 1,
    }
    assert change.without_email == ("11",)
    rows = members(crm_engine, list_id)
    assert sorted(rows) == [10, 11, 12]
    assert {(r["sync_state"], r["added_by"], r["synced_at"]) for r in rows.values()} == {("pending", ACTOR.name, None)}
    assert all(r["added_at"] is not None for r in rows.values())

    with crm_engine.begin() as conn:  # a member the sync already handled keeps its state
        conn.execute(text("UPDATE recipient_list_member SET sync_state = 'unsubscribed' WHERE contact_person_id = 12"))
    again = store.apply(MemberSelection("acme", list_id, tag="VIP", contact_ids=(10, 12)), "someone else")
    assert (again.matched, len(again.added), again.already_present) == (2, 0, 2)
    after = members(crm_engine, list_id)
    assert after[12]["sync_state"] == "unsubscribed" and after[10]["added_by"] == ACTOR.name

    more = store.apply(MemberSelection("acme", list_id, category="kunde", search=None), ACTOR)
    assert (more.matched, more.added, more.already_present, more.without_email) == (3, ("14", "15"), 1, ("14",))
    blank = store.apply(MemberSelection("acme", list_id, letter="0-9"), ACTOR)
    assert blank.without_email == ("13",)  # a blank address is as unusable as a missing one


def test_remove_deletes_only_the_selected_members_of_that_list(crm, crm_engine, monkeypatch):
    monkeypatch.setattr("cleverreach.members.store.CHUNK", 1)
    store, list_id = MemberDialog(crm_engine), crm["Newsletter"]
    store.apply(MemberSelection("acme", list_id, category="kunde"), ACTOR)  # 12, 14, 15
    with crm_engine.begin() as conn:  # the same person on another list stays there
        conn.execute(
            text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                 "VALUES (:l, 12, CURRENT_TIMESTAMP)"),
            {"l": crm["Alt"]},
        )
    change = store.apply(MemberSelection("acme", list_id, "remove", contact_ids=(12, 13)), ACTOR)
    assert (change.matched, change.removed, change.not_on_list) == (2, 1, 1)
    assert sorted(members(crm_engine, list_id)) == [14, 15]
    assert sorted(members(crm_engine, crm["Alt"])) == [12]

    # Removing from a list whose CleverReach group is gone is allowed.
    gone = store.apply(MemberSelection("acme", crm["Alt"], "remove", address_ids=(2,)), ACTOR)
    assert gone.removed == 1 and members(crm_engine, crm["Alt"]) == {}


def no_members(engine) -> bool:
    return fetch(engine, "SELECT count(*) AS n FROM recipient_list_member")[0]["n"] == 0


@pytest.mark.parametrize(
    ("selection", "error", "message"),
    [
        (MemberSelection("acme", 1, address_ids=(9,)), SelectionError, r"address_ids of another tenant: 9\."),
        (MemberSelection("acme", 1, letter="A", contact_ids=(10, 90, 999)), SelectionError,
         r"contact_ids of another tenant: 90; unknown contact_ids: 999\."),
        (MemberSelection("acme", 1, address_ids=(1, 12345)), SelectionError, r"unknown address_ids: 12345\."),
        (MemberSelection("nope", 1, letter="A"), TenantNotFoundError, "does not exist"),
        (MemberSelection("gamma", 1, letter="A"), TenantNotFoundError, "inactive"),
    ],
)
def test_refusals_before_anything_is_written(crm, crm_engine, selection, error, message):
    selection = MemberSelection(**{**selection.__dict__, "list_id": crm["Newsletter"]})
    with pytest.raises(error, match=message) as info:
        MemberDialog(crm_engine).apply(selection, ACTOR)
    assert "beta" not in str(info.value).lower()
    assert no_members(crm_engine)


def test_lists_of_other_tenants_unknown_or_gone_are_refused(crm, crm_engine):
    store = MemberDialog(crm_engine)
    for list_id in (crm["Presse Beta"], 424242):
        refused = f"recipient list {list_id} does not exist for tenant 'acme'"
        with pytest.raises(RecipientListError, match=refused) as info:
            store.apply(MemberSelection("acme", list_id, letter="A"), ACTOR)
        assert "Beta" not in str(info.value)
    with pytest.raises(RecipientListError, match="CleverReach group 1002 is gone"):
        store.apply(MemberSelection("acme", crm["Alt"], letter="A"), ACTOR)
    assert no_members(crm_engine)
