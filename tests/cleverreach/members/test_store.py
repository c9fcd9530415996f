"""The dialog's SQL on SQLite and PostgreSQL: each filter, AND, umlauts, literal wildcards, refusals, writes."""

from __future__ import annotations

import pytest
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import RecipientListError, TenantNotFoundError
from cleverreach.members.selection import MemberSelection, SelectionError
from cleverreach.members.service import MemberDialog
from cleverreach.members.store import MemberStore

ACTOR = Actor.of(None, "cleverreach_manage_members", "r1")


@pytest.fixture
def crm(crm_engine) -> dict[str, int]:
    """Two tenants with addresses, persons and lists; returns the list ids by name."""
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME GmbH"}, {"id": "beta", "name": "Beta AG"},
                {"id": "gamma", "name": "Gamma KG", "active": False})
    add_addresses(crm_engine, [
        {"id": 1, "tenant_id": "acme", "name": "Ärztehaus Mitte", "matchcode": "AERZTE", "city": "Berlin",
         "category": "Ärzte", "tags": ["VIP"], "sales_processes": ["Neukunde"]},
        {"id": 2, "tenant_id": "acme", "name": "Apotheke am Markt", "matchcode": "APO", "city": "Köln",
         "category": "Kunde", "tags": ["vip", "Newsletter"]},
        {"id": 3, "tenant_id": "acme", "name": "1. FC Beispiel", "city": "KÖLN", "category": "Verein"},
        {"id": 4, "tenant_id": "acme", "name": "  Bäckerei Lang", "matchcode": "BAECK", "city": "100% Bio_Stadt",
         "category": "kunde"},
        {"id": 5, "tenant_id": "acme", "name": "émile & fils", "city": "Paris", "category": "Kunde",
         "sales_processes": ["Bestandskunde"]},
        {"id": 6, "tenant_id": "acme", "name": "Zeta 50% GmbH", "city": "Hamburg", "category": "Lieferant"},
        {"id": 9, "tenant_id": "beta", "name": "Ärzte Beta", "city": "Köln", "category": "Kunde", "tags": ["VIP"]},
    ])
    add_contacts(crm_engine, [
        {"id": 10, "tenant_id": "acme", "address_id": 1, "email": "arzt@example.org"},
        {"id": 11, "tenant_id": "acme", "address_id": 1, "email": None},
        {"id": 12, "tenant_id": "acme", "address_id": 2, "email": "apo@example.org"},
        {"id": 13, "tenant_id": "acme", "address_id": 3, "email": "   "},
        {"id": 14, "tenant_id": "acme", "address_id": 4, "email": "not-an-address"},
        {"id": 15, "tenant_id": "acme", "address_id": 5, "email": " emile@example.fr "},
        {"id": 16, "tenant_id": "acme", "address_id": 6, "email": "zeta@example.org"},
        {"id": 17, "tenant_id": "acme", "address_id": None, "email": "solo@example.org"},
        {"id": 90, "tenant_id": "beta", "address_id": 9, "email": "beta@example.org"},
    ])
    with crm_engine.begin() as conn:
        for tenant, external_id, name, deleted in [
            ("acme", "1001", "Newsletter", None), ("acme", "1002", "Alt", "2026-01-02 03:04:05"),
            ("beta", "2001", "Presse Beta", None),
        ]:
            conn.execute(
                text("INSERT INTO recipient_list (tenant_id, external_id, name, remote_deleted_at, created_at) "
                     "VALUES (:t, :e, :n, :d, CURRENT_TIMESTAMP)"),
                {"t": tenant, "e": external_id, "n": name, "d": deleted},
            )
    return {r["name"]: r["id"] for r in fetch(crm_engine, "SELECT id, name FROM recipient_list")}


def members(engine, list_id: int) -> dict[int, dict]:
    rows = fetch(engine, "SELECT * FROM recipient_list_member WHERE list_id = :l", l=list_id)
    return {r["contact_person_id"]: r for r in rows}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"letter": "A"}, [10, 11, 12]),  # Ärztehaus under A, with Apotheke
        ({"letter": "B"}, [14]),  # leading spaces skipped, umlaut in second place irrelevant
        ({"letter": "E"}, [15]),  # émile
        ({"letter": "0-9"}, [13]),
        ({"letter": "Z"}, [16]),
        ({"tag": "vip"}, [10, 11, 12]),  # both spellings "VIP" and "vip"; not beta's VIP address
        ({"category": "KUNDE"}, [12, 14, 15]),
        ({"category": "ärzte"}, [10, 11]),  # non-ASCII case difference, on SQLite too
        ({"sales_process": "neukunde"}, [10, 11]),
        ({"search": "köln"}, [12, 13]),  # city "Köln" and "KÖLN"; not beta's Köln address
        ({"search": "aerzte"}, [10, 11]),  # matchcode
        ({"search": "ÄRZTEHAUS"}, [10, 11]),  # name
        ({"search": "%"}, [14, 16]),  # only names/cities with a literal %
        ({"search": "_"}, [14]),  # only a literal underscore
        ({"search": "50%"}, [16]),
        ({"address_ids": [2, 5]}, [12, 15]),
        ({"contact_ids": [11, 17]}, [11, 17]),  # contact ids alone: exactly those, with or without address
        ({"tag": "nobody-has-this"}, []),
    ],
)
def test_each_filter(crm, crm_engine, filters, expected):
    selection = MemberSelection("acme", crm["Newsletter"], **{
        k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()
    })
    assert [r["contact_person_id"] for r in MemberStore(crm_engine).select(selection)] == [str(c) for c in expected]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "kunde", "letter": "A"}, [12]),
        ({"tag": "VIP", "search": "mitte"}, [10, 11]),
        ({"tag": "vip", "contact_ids": (10, 12, 16)}, [10, 12]),
        ({"letter": "A", "contact_ids": (17,)}, []),  # a person without address never matches address filters
        ({"address_ids": (1, 2, 3), "search": "köln", "sales_process": "Bestandskunde"}, []),
        ({"address_ids": (1, 2, 3), "search": "köln"}, [12, 13]),
    ],
)
def test_filters_combine_with_and(crm, crm_engine, filters, expected):
    selection = MemberSelection("acme", crm["Newsletter"], **filters)
    assert [r["contact_person_id"] for r in MemberStore(crm_engine).select(selection)] == [str(c) for c in expected]


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
