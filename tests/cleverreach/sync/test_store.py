"""The sync's lease in the CRM: one running sync per list; a crashed attempt's lease is taken over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import RecipientListError, SyncInProgressError
from cleverreach.lists.store import ListStore
from cleverreach.sync.store import SyncStore


@pytest.fixture
def store(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"}, {"id": "b", "name": "B"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'a', '10', 'L', CURRENT_TIMESTAMP)"))
    return SyncStore(crm_engine)


def start(store, run_id="r1", dag_id="d"):
    return store.start_run(tenant_id="a", list_id=1, dag_id=dag_id, run_id=run_id, dry_run=False)


def test_a_second_run_on_the_same_list_is_refused(store):
    first = start(store, "r1")
    with pytest.raises(SyncInProgressError, match="is being synced by sync_run"):
        start(store, "r2")
    store.finish_run(first, "success", {}, None)
    start(store, "r2")  # free again


def test_a_retry_of_the_same_run_takes_over_its_crashed_lease(store, crm_engine):
    crashed = start(store, "r1")
    again = start(store, "r1")
    rows = {r["id"]: r["status"] for r in fetch(crm_engine, "SELECT id, status FROM sync_run")}
    assert rows == {crashed: "abandoned", again: "running"}


def test_a_stale_lease_is_taken_over(store, crm_engine):
    start(store, "r1")
    store.lease_timeout = timedelta(seconds=-1)
    start(store, "r2")
    assert sorted(r["status"] for r in fetch(crm_engine, "SELECT status FROM sync_run")) == ["abandoned", "running"]


def test_lists_of_another_tenant_are_refused_like_unknown_ones(store, crm_engine):
    lists = ListStore(crm_engine)
    assert [r["id"] for r in lists.lists("a")] == [1]
    assert lists.owned_list("a", 1)["external_id"] == "10"
    with pytest.raises(RecipientListError, match="recipient list 1 does not exist for tenant 'b'"):
        lists.owned_list("b", 1)
    with pytest.raises(RecipientListError, match="does not exist"):
        lists.lists("a", 99)


def test_owned_receivers_and_refusals_round_trip(store, crm_engine):
    import pandas as pd

    rows = pd.DataFrame({"email_key": ["a@example.org", "b@example.org"], "receiver_id": ["11", None],
                         "contact_person_id": [1, None], "origin": ["created", "adopted"], "since": [None, None],
                         "our_deactivated": [None, 1700000000]})
    store.save_owned(1, "10", rows)
    owned = store.owned_receivers(1, "10").set_index("email_key")
    assert owned.loc["a@example.org", "contact_person_id"] == "1"
    assert owned.loc["a@example.org", "receiver_id"] == "11" and owned.loc["b@example.org", "our_deactivated"] == 1700000000
    assert owned.loc["b@example.org", "contact_person_id"] == "" and owned.loc["a@example.org", "our_deactivated"] == -1
    assert store.owned_receivers(1, "99").empty  # another group behind the same list id: nothing owned
    store.save_owned(1, "10", owned.reset_index().iloc[:1].assign(receiver_id="12"), drop_keys=["b@example.org"])
    assert store.owned_receivers(1, "10")[["email_key", "receiver_id"]].values.tolist() == [["a@example.org", "12"]]
    store.forget_owned(1, ["a@example.org"])
    assert store.owned_receivers(1, "10").empty

    store.remember_refusals(1, [(5, "add", "123", "invalid address"), (6, "update", "456", "too long")])
    store.remember_refusals(1, [(5, "add", "789", "again")])  # replaces
    refusals = store.refusals(1).set_index("contact_person_id")
    assert refusals.loc["5", "payload_hash"] == "789" and refusals.loc["6", "action"] == "update"
    store.forget_refusals(1, [5, 6])
    assert store.refusals(1).empty


def test_member_state_unconfirmed_is_allowed(store, crm_engine):
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO contact_person (id, tenant_id, email) VALUES (1, 'a', 'x@example.org')"))
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "VALUES (1, 1, CURRENT_TIMESTAMP, 'pending')"))
    store.set_member_states(1, [1], "unconfirmed", "waiting")
    assert fetch(crm_engine, "SELECT sync_state FROM recipient_list_member")[0]["sync_state"] == "unconfirmed"
    with pytest.raises(Exception, match="(?i)check|constraint"):
        store.set_member_states(1, [1], "bogus")


def test_the_stored_plan_keeps_every_value_exactly(store, crm_engine):
    """``record_plan`` builds its rows column-wise; each JSON value is what ``json.dumps`` writes for it."""
    import json

    import pandas as pd

    from cleverreach.sync.fields import ATTRIBUTES
    from cleverreach.sync.plan import SyncPlan

    tricky = ['Frau "Dr."', "Jürgen \\ Groß", "tab\there", "😀 ok", "", "<b>&amp;</b>", "line\nbreak", "ß"]
    adds = pd.DataFrame({"contact_person_id": [1, 2], "email": ["a@example.org", "b@example.org"],
                         "reason": ["new member", "new member"],
                         **{name: [tricky[i % 8], tricky[(i + 3) % 8]] for i, name in enumerate(ATTRIBUTES)}})
    updates = pd.DataFrame({"contact_person_id": [3], "email_old": ["c@example.org"], "reason": ["changed"],
                            "ext_id": ["3"], "ext_id_old": ["3"], **{n: ["neu"] for n in ATTRIBUTES},
                            **{f"{n}_old": ["neu" if n != "lastname" else "alt"] for n in ATTRIBUTES}})
    removes = pd.DataFrame({"email": ["d@example.org", "e@example.org"], "reason": ["left", "withdrawn"],
                            "contact_person_id": [4.0, float("nan")], "ext_id": ["4", "x\"y"], "receiver_id": ["r4", "r5"],
                            "erase": [False, True]})
    refused = pd.DataFrame({"contact_person_id": [6, 7], "email": ["f@example.org", ""], "reason": ["refused", "refused"],
                            "sync_state": ["pending", "rejected"], "action": ["add", "update"]})
    unsubscribed = pd.DataFrame({"contact_person_id": [8], "email": ["g@example.org"], "reason": ["unsubscribed"]})
    rejected = pd.DataFrame({"contact_person_id": [9], "email": [""], "reason": ["missing e-mail"],
                             "sync_state": [None], "sync_error": [None]})
    empty = pd.DataFrame({"contact_person_id": [], "email": [], "reason": []})
    plan = SyncPlan(adds=adds, updates=updates, removes=removes, unsubscribed=unsubscribed, bounced=empty,
                    refused=refused)
    run = start(store)
    store.record_plan(run, 1, plan, rejected, removal_mode="deactivate")

    rows = fetch(crm_engine, "SELECT contact_person_id, email, action, reason, old_value, new_value, result, error "
                             "FROM sync_change WHERE run_id = :run ORDER BY id", run=run)

    def dumped(value: dict) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    expected = [
        *[(str(r["contact_person_id"]), r["email"], "add", "new member", None, dumped({n: r[n] for n in ATTRIBUTES}),
           "planned", None) for r in adds.to_dict("records")],
        ("3", "c@example.org", "update", "changed", dumped({"lastname": "alt"}), dumped({"lastname": "neu"}), "planned", None),
        ("4", "d@example.org", "deactivate", "left", dumped({"ext_id": "4"}), None, "planned", None),
        (None, "e@example.org", "remove", "withdrawn", dumped({"ext_id": 'x"y'}), None, "planned", None),
        ("9", None, "reject", "missing e-mail", None, dumped({"sync_state": "rejected"}), "rejected", None),
        ("6", "f@example.org", "reject", "refused", None, dumped({"sync_state": "pending"}), "rejected", None),
        ("7", None, "reject", "refused", None, dumped({"sync_state": "rejected"}), "rejected", None),
        ("8", "g@example.org", "keep", "unsubscribed", None, dumped({"sync_state": "unsubscribed"}), "unsubscribed", None),
    ]
    assert [tuple(r.values()) for r in rows] == expected
