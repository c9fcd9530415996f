"""The move from hyperspace's interface through Airflow: a group pre-filled "by hyperspace", on SQLite and
PostgreSQL, in both removal modes (``sync.takeover``)."""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.sync.takeover import HOLD_REASON, STALE_REASON

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "move-client", "move-secret-000111"
GROUP, OTHER_GROUP = "2001", "2002"
FAST_RETRIES = {"retry_initial_wait": 0.01, "retry_max_wait": 1}

#: contact -> its address in the CRM now
CONTACTS = {1: "anna.new@example.org", 2: "bert@example.org", 3: "carl.new@example.org", 4: "dora.new@example.org",
            5: "emil.new@example.org", 6: "frieda.new@example.org", 7: "gustav.new@example.org",
            8: "other-list@example.org"}


def by_hyperspace(email: str, ext_id: str, **fields) -> dict:
    return {"email": email, "global_attributes": {"ext_id": ext_id}, **fields}


#: what hyperspace's interface left in the list's group
GROUP_RECEIVERS = [
    by_hyperspace("anna.old@example.org", "1"),  # e-mail changed since: stale, removed
    by_hyperspace("bert@example.org", "2"),  # unchanged: adopted by e-mail
    by_hyperspace("carl.old@example.org", "3", unsubscribed=True),  # unsubscribed on the old address...
    by_hyperspace("carl.new@example.org", "3"),  # ...so the current one is deactivated
    by_hyperspace("dora.old@example.org", "4"),  # active on the old address...
    by_hyperspace("dora.new@example.org", "4", unsubscribed=True),  # ...unsubscribed on the current one
    by_hyperspace("emil.old@example.org", "5", bounced=1_700_000_000),  # bounced: left as it is
    by_hyperspace("frieda.a@example.org", "6"),  # two stale receivers: both removed
    by_hyperspace("frieda.b@example.org", "6"),
    by_hyperspace("gustav.old@example.org", "7", unsubscribed=True),  # the current address is never added
    by_hyperspace("other-list-old@example.org", "8"),  # contact 8 is a member of another list only
    by_hyperspace("nobody@example.org", "999"),  # names nobody
    by_hyperspace("malformed@example.org", "1.0"),  # malformed
    {"email": "form@example.org", "global_attributes": {}},  # a form sign-up
]
UNTOUCHED = ["other-list-old@example.org", "nobody@example.org", "malformed@example.org", "form@example.org",
             "emil.old@example.org", "carl.old@example.org", "dora.new@example.org", "gustav.old@example.org"]
UNSUBSCRIBED = {3, 4, 7}


@pytest.fixture
def moved(emulator, crm_engine, monkeypatch):
    """Tenant move: list 1 <-> group 2001 pre-filled by hyperspace (contacts 1-7), list 2 <-> group 2002 (8)."""
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": GROUP, "name": "Newsletter", "receivers": GROUP_RECEIVERS},
                   {"id": OTHER_GROUP, "name": "Other", "receivers": []}],
    }]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "move", "name": "Move"})
    add_addresses(crm_engine, [{"id": 300, "tenant_id": "move", "name": "Umzug GmbH"}])
    add_contacts(crm_engine, [{"id": cid, "tenant_id": "move", "address_id": 300, "email": email}
                              for cid, email in CONTACTS.items()])
    with crm_engine.begin() as conn:
        for list_id, group in ((1, GROUP), (2, OTHER_GROUP)):
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (:i, 'move', :g, :n, CURRENT_TIMESTAMP)"), {"i": list_id, "g": group, "n": f"list {list_id}"})
    add_members(crm_engine, 1, range(1, 8))
    add_members(crm_engine, 2, [8])
    return emulator


def remote(emulator) -> dict[str, dict]:
    return {r["email"]: r for r in emulator.client.group_receivers(GROUP)}


def writes(emulator) -> list[dict]:
    return [e for e in emulator.client.requests() if e["method"] in ("POST", "PUT", "DELETE") and e["path"].startswith("/v3")]


def states(engine) -> dict[int, str]:
    return {r["contact_person_id"]: r["sync_state"]
            for r in fetch(engine, "SELECT contact_person_id, sync_state FROM recipient_list_member WHERE list_id = 1")}


def person(receivers: dict[str, dict], cid: int) -> list[str]:
    """The active receivers of a contact, by the ext_id hyperspace or the sync wrote."""
    return sorted(e for e, r in receivers.items() if r["active"] and r["global_attributes"].get("ext_id") == str(cid))


def check_moved(emulator, crm_engine, before: dict[str, dict], removal_mode: str) -> None:
    receivers = remote(emulator)
    for cid, email in CONTACTS.items():
        if cid in UNSUBSCRIBED:
            assert person(receivers, cid) == [], cid  # not one receiver of the person can be mailed
        elif cid in (2, 1, 5, 6):
            assert person(receivers, cid) == [email], cid  # exactly one, the current address
    assert "gustav.new@example.org" not in receivers  # never added
    assert states(crm_engine) == {1: "synced", 2: "synced", 3: "unsubscribed", 4: "unsubscribed", 5: "synced",
                                  6: "synced", 7: "unsubscribed"}
    for email in UNTOUCHED:
        assert receivers[email] == before[email], email  # byte-identical
    stale = ("anna.old@example.org", "frieda.a@example.org", "frieda.b@example.org")
    if removal_mode == "delete":
        assert not set(stale) & set(receivers)
    else:
        assert all(receivers[e]["deactivated"] > 0 for e in stale)
    held = ("carl.new@example.org", "dora.old@example.org")
    assert all(receivers[e]["deactivated"] > 0 for e in held)  # deactivated in both modes, never deleted
    owned = {o["email_key"]: o for o in fetch(crm_engine, "SELECT * FROM sync_owned_receiver WHERE list_id = '1'")}
    assert not set(held) & set(owned)  # the person's, not ours: never reactivated
    if removal_mode == "deactivate":
        assert {owned[e]["origin"] for e in stale} == {"adopted"}
        assert all(owned[e]["our_deactivated"] == receivers[e]["deactivated"] for e in stale)
    assert owned["emil.old@example.org"]["origin"] == "adopted"  # recorded, left bounced
    assert owned["bert@example.org"]["origin"] == "adopted"


@pytest.mark.parametrize("removal_mode", ["delete", "deactivate"])
def test_first_sync_takes_over_then_nothing_more(moved, crm_engine, monkeypatch, removal_mode):
    emulator = moved
    set_cleverreach_connection(monkeypatch, "cleverreach_move", emulator.url, CLIENT, SECRET,
                               removal_mode=removal_mode, **FAST_RETRIES)
    before = remote(emulator)

    if removal_mode == "delete":  # the preview: a dry run stores the plan with its reasons, writes nothing
        preview = run_dag("cleverreach_sync_recipients", {"tenant": "move", "list_id": 1, "dry_run": True})
        assert preview.state == "success" and writes(emulator) == []
        changes = fetch(crm_engine, "SELECT action, email, reason FROM sync_change WHERE action IN ('remove', 'deactivate')")
        assert {(c["action"], c["email"], c["reason"]) for c in changes} == {
            ("remove", "anna.old@example.org", STALE_REASON), ("remove", "frieda.a@example.org", STALE_REASON),
            ("remove", "frieda.b@example.org", STALE_REASON), ("deactivate", "carl.new@example.org", HOLD_REASON),
            ("deactivate", "dora.old@example.org", HOLD_REASON)}
        assert fetch(crm_engine, "SELECT count(*) AS n FROM sync_owned_receiver")[0]["n"] == 0

    first = run_dag("cleverreach_sync_recipients", {"tenant": "move", "list_id": 1})
    assert first.state == "success", first.task_states
    (done,) = first.returns["sync_list"]
    assert (done["status"], done["removed"], done["added"]) == ("success", 5, 3)  # anna, emil, frieda added
    check_moved(emulator, crm_engine, before, removal_mode)
    assert not any("/activate" in e["path"] for e in writes(emulator))

    emulator.client.clear_requests()
    again = run_dag("cleverreach_sync_recipients", {"tenant": "move"})  # both lists: list 2's first sync too
    assert again.state == "success", again.task_states
    assert [e for e in writes(emulator) if f"/groups/{GROUP}/" in e["path"]] == []  # a re-sync writes nothing
    check_moved(emulator, crm_engine, before, removal_mode)
