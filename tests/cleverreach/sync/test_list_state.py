"""One list's state, bound to its target: owned receivers, intents, refusals and member states; no call names
the list or its group again."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.crm_seed import add_tenants, fetch
from sqlalchemy import text

from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import LeaseLostError
from cleverreach.lists.target import ListTarget
from cleverreach.sync.intents import INTENT_COLUMNS
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.list_state import ListState

TARGET = ListTarget("a", "1", "10", "L")


@pytest.fixture
def engine(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'a', '10', 'L', CURRENT_TIMESTAMP)"))
    return crm_engine


@pytest.fixture
def state(engine):
    return ListState(engine, TARGET)


def test_owned_receivers_and_refusals_round_trip(state, engine):
    rows = pd.DataFrame({"email_key": ["a@example.org", "b@example.org"], "receiver_id": ["11", None],
                         "contact_person_id": [1, None], "origin": ["created", "adopted"], "since": [None, None],
                         "our_deactivated": [None, 1700000000]})
    state.save_owned(rows)
    owned = state.owned_receivers().set_index("email_key")
    assert owned.loc["a@example.org", "contact_person_id"] == "1"
    assert owned.loc["a@example.org", "receiver_id"] == "11" and owned.loc["b@example.org", "our_deactivated"] == 1700000000
    assert owned.loc["b@example.org", "contact_person_id"] == "" and owned.loc["a@example.org", "our_deactivated"] == -1
    assert ListState(engine, ListTarget("a", "1", "99")).owned_receivers().empty  # another group behind the list id
    # the select has no order (an index may serve it in any): pick a's row by its key
    state.save_owned(owned.loc[["a@example.org"]].reset_index().assign(receiver_id="12"), drop_keys=["b@example.org"])
    assert state.owned_receivers()[["email_key", "receiver_id"]].values.tolist() == [["a@example.org", "12"]]
    state.forget_owned(["a@example.org"])
    assert state.owned_receivers().empty

    state.remember_refusals([(5, "add", "123", "invalid address"), (6, "update", "456", "too long")])
    state.remember_refusals([(5, "add", "789", "again")])  # replaces
    refusals = state.refusals().set_index("contact_person_id")
    assert refusals.loc["5", "payload_hash"] == "789" and refusals.loc["6", "action"] == "update"
    state.forget_refusals([5, 6])
    assert state.refusals().empty


def test_member_states_and_errors_are_set_on_the_targets_members(state, engine):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO contact_person (id, tenant_id, email) VALUES (1, 'a', 'x@example.org')"))
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "VALUES (1, 1, CURRENT_TIMESTAMP, 'pending')"))
    assert state.members()["contact_person_id"].astype(str).tolist() == ["1"]
    state.set_member_states(["1"], "unconfirmed", "waiting")
    assert fetch(engine, "SELECT sync_state FROM recipient_list_member")[0]["sync_state"] == "unconfirmed"
    with pytest.raises(Exception, match="(?i)check|constraint"):
        state.set_member_states(["1"], "bogus")
    state.set_member_errors([("1", "rejected", "bad address")])
    (row,) = fetch(engine, "SELECT sync_state, sync_error FROM recipient_list_member")
    assert (row["sync_state"], row["sync_error"]) == ("rejected", "bad address")


def test_first_sync_until_an_applied_run_succeeded_and_the_list_marks(state, engine):
    ledger = RunLedger(engine)
    assert state.first_sync()
    dry = ledger.start_run(tenant_id="a", list_id="1", dag_id="d", run_id="r1", dry_run=True)
    ledger.finish_run(dry, "dry_run", {}, None)
    assert state.first_sync()  # a dry run does not count
    run = ledger.start_run(tenant_id="a", list_id="1", dag_id="d", run_id="r2", dry_run=False)
    ledger.finish_run(run, "success", {}, None)
    assert not state.first_sync()

    state.set_remote_count(7)
    state.mark_list_gone(Actor.of(None, "d", "r2"))
    (row,) = fetch(engine, "SELECT remote_member_count, remote_deleted_at FROM recipient_list WHERE id = 1")
    assert row["remote_member_count"] == 7 and row["remote_deleted_at"] is not None


def intents(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=INTENT_COLUMNS)


def test_intents_are_recorded_read_and_forgotten_behind_the_fence(state, engine):
    ledger = RunLedger(engine, holder="h", attempt=1)
    run = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r", dry_run=False)
    state.record_intents(intents(("a@example.org", "1", "created"), ("b@example.org", "2", "created")),
                         run_pk=run, fence=ledger.heartbeat)
    state.record_intents(intents(("b@example.org", "3", "adopted")), run_pk=run, fence=ledger.heartbeat)  # replaced
    assert state.owner_intents().values.tolist() == [["a@example.org", "1", "created"], ["b@example.org", "3", "adopted"]]
    assert ListState(engine, ListTarget("a", "1", "99")).owner_intents().empty  # another group behind the list id
    state.forget_run_intents(run + 1)  # another run's: not these
    assert len(state.owner_intents()) == 2
    state.forget_intents(["a@example.org"])  # resolved by the next run: any run's
    assert state.owner_intents()["email_key"].tolist() == ["b@example.org"]

    RunLedger(engine, holder="h", attempt=2).start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r", dry_run=False)
    with pytest.raises(LeaseLostError):  # taken over: the old attempt records nothing more
        state.record_intents(intents(("c@example.org", "4", "created")), run_pk=run, fence=ledger.heartbeat)
    with pytest.raises(LeaseLostError):
        ledger.fence(run)
    assert [r["email_key"] for r in fetch(engine, "SELECT email_key FROM sync_owner_intent")] == ["b@example.org"]


def test_a_row_written_again_keeps_since_when_the_sync_owns_its_receiver(state, engine):
    def since() -> dict[str, str]:
        return {r["email_key"]: str(r["since"]) for r in fetch(engine, "SELECT email_key, since FROM sync_owned_receiver")}

    created = pd.DataFrame({"email_key": ["a@example.org", "b@example.org", "c@example.org"],
                            "receiver_id": ["11", None, "13"], "contact_person_id": ["1", "2", "3"],
                            "origin": "created", "our_deactivated": None})
    state.save_owned(created, new=True)
    with engine.begin() as conn:  # owned since long ago
        conn.execute(text("UPDATE sync_owned_receiver SET since = '2020-01-02 03:04:05'"))
    owned = state.owned_receivers().set_index("email_key")
    assert "since" not in owned  # a plan does not read a million timestamps
    # a's address moved (found by its receiver id), b's receiver id filled in (found by its key), c deactivated
    again = owned.reset_index().assign(
        email_key=["a2@example.org", "b@example.org", "c@example.org"], receiver_id=["11", "12", "13"],
        our_deactivated=[-1, -1, 1700000000])
    state.save_owned(again, drop_keys=["a@example.org"])
    state.save_owned(pd.DataFrame({"email_key": ["d@example.org"], "receiver_id": ["14"], "contact_person_id": ["4"],
                                   "origin": "adopted", "our_deactivated": None}), new=True)
    state.save_owned(pd.DataFrame({"email_key": ["e@example.org"], "receiver_id": ["15"], "contact_person_id": ["5"],
                                   "origin": "created", "our_deactivated": None}))  # not stored before: now
    kept = since()
    assert set(kept) == {"a2@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"}
    assert {kept[key][:19] for key in ("a2@example.org", "b@example.org", "c@example.org")} == {"2020-01-02 03:04:05"}
    assert not kept["d@example.org"].startswith("2020") and not kept["e@example.org"].startswith("2020")


def test_a_runs_intents_go_together_and_only_its_own(state, engine):
    """Once every batch's ownership is saved the run's intents go in one statement; another run's (an attempt that
    took over, a list behind the same id in another group) stay."""
    ledger = RunLedger(engine, holder="h", attempt=1)
    run = ledger.start_run(tenant_id="a", list_id=1, dag_id="d", run_id="r", dry_run=False)
    state.record_intents(intents(("a@example.org", "1", "created"), ("b@example.org", "2", "created")),
                         run_pk=run, fence=ledger.heartbeat)
    with engine.begin() as conn:  # another run's intent for the same list
        conn.execute(text("INSERT INTO sync_owner_intent (list_id, group_id, email_key, contact_person_id, origin, "
                          "sync_run_id, created_at) VALUES ('1', '42', 'c@example.org', '3', 'created', :r, "
                          "CURRENT_TIMESTAMP)"), {"r": run + 1})
    state.forget_run_intents(run)
    assert [r["email_key"] for r in fetch(engine, "SELECT email_key FROM sync_owner_intent")] == ["c@example.org"]
