"""Addresses with international domain names under every reading of ``idn_spelling``, through Airflow.

How CleverReach stores ``anna@straße.de`` is unknown (``cleverreach_emulator.idn``): as written, found under
either spelling, converted to IDNA 2008 punycode, folded by IDNA 2003 (``strasse.de``) or refused. One
emulator per variant and one tenant each, all synced, loaded and erased by the same DAG runs:

* the sync adds the IDN members (or, where CleverReach refuses them, marks them ``rejected`` with its reason
  and never sends them again), a re-sync writes nothing, an attribute change is written to the right
  receiver, a member who leaves the list is removed, and a re-sync again writes nothing;
* the mail history puts the events of an IDN receiver on its contact (by ext_id, or by address for a form
  sign-up without one);
* the erasure, by contact id and by either spelling of the address, leaves no receiver of the person.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from cleverreach_emulator import EmulatorServer
from cleverreach_emulator.settings import VARIANTS
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from helpers.erasure import erase
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.email_keys import folded_email_key

pytestmark = pytest.mark.usefixtures("airflow_db")

SPELLINGS: tuple[str, ...] = VARIANTS["idn_spelling"]
GROUP = "1001"
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}
# contact number -> address; 1-4 and 6 are members of the list, 5 signs up by a form only
EMAILS = {1: "anna@straße.de", 2: "Jürgen@Bücher.example", 3: "ben@example.org", 4: "cora@bücher.example",
          5: "dora@bücher.example", 6: "emil@straße.de"}
MEMBERS = (1, 2, 3, 4, 6)
IDN = (1, 2, 4, 6)


def tenant(n: int) -> str:
    return f"idn{n}"


def cid(n: int, person: int) -> int:
    return 1000 * (n + 1) + person


@pytest.fixture(scope="module")
def emulators() -> Iterator[list[EmulatorServer]]:
    servers = [EmulatorServer().start() for _ in SPELLINGS]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def world(emulators, crm_engine, monkeypatch) -> list[EmulatorServer]:
    """One tenant per variant, its list synced once (the first sync is part of every test)."""
    migrate(crm_engine)
    for n, (server, spelling) in enumerate(zip(emulators, SPELLINGS, strict=True)):
        client = f"client-{tenant(n)}"
        server.client.reset({"accounts": [{
            "client_id": client, "client_secret": f"secret-{tenant(n)}", "account_id": str(800000 + n),
            "attributes": [{"name": "ext_id", "type": "text"}],
            "groups": [{"id": GROUP, "name": "Newsletter", "receivers": []},
                       {"id": "1002", "name": "Not imported", "receivers": []}]}]})
        server.client.update_settings(idn_spelling=spelling)
        add_tenants(crm_engine, {"id": tenant(n), "name": tenant(n)})
        add_contacts(crm_engine, [{"id": cid(n, p), "tenant_id": tenant(n), "email": e, "first_name": f"F{p}"}
                                  for p, e in EMAILS.items()])
        with crm_engine.begin() as conn:
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (:i, :t, :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"i": n + 1, "t": tenant(n), "g": GROUP})
        add_members(crm_engine, n + 1, [cid(n, p) for p in MEMBERS])
        monkeypatch.setenv(f"AIRFLOW_CONN_CLEVERREACH_{tenant(n).upper()}", json.dumps({
            "conn_type": "cleverreach", "host": server.url, "login": client, "password": f"secret-{tenant(n)}",
            "extra": {"removal_mode": "delete", **FAST}}))
    first = run_dag("cleverreach_sync_recipients", {})
    assert first.states("sync_list") == ["success"] * len(SPELLINGS), first.task_states
    for server in emulators:
        server.client.clear_requests()
    return emulators


def receivers(server: EmulatorServer, group: str = GROUP) -> dict[str, dict]:
    """The group's receivers by the folded key of their stored address (the one every variant agrees on)."""
    return {folded_email_key(r["email"]): r for r in server.client.group_receivers(group)}


def of(person: int) -> str:
    return folded_email_key(EMAILS[person])


def states(engine, n: int) -> dict[int, tuple[str, str | None]]:
    rows = fetch(engine, "SELECT contact_person_id, sync_state, sync_error FROM recipient_list_member WHERE list_id = :l",
                 l=n + 1)
    return {int(r["contact_person_id"]) - 1000 * (n + 1): (r["sync_state"], r["sync_error"]) for r in rows}


def writes(server: EmulatorServer) -> list[dict]:
    return [e for e in server.client.requests() if e["method"] in ("POST", "PUT", "DELETE") and e["path"].startswith("/v3")]


def test_sync_adds_updates_removes_and_resyncs_without_writes_under_every_variant(world, crm_engine):
    failures: list[str] = []

    def check(n: int, ok: bool, what: str) -> None:
        if not ok:
            failures.append(f"{SPELLINGS[n]}: {what}")

    for n, server in enumerate(world):
        group, member = receivers(server), states(crm_engine, n)
        refused = SPELLINGS[n] == "refused"
        for p in MEMBERS:
            if refused and p in IDN:
                check(n, of(p) not in group and member[p][0] == "rejected" and "invalid address" in (member[p][1] or ""),
                      f"contact {p} rejected with CleverReach's reason: {member[p]}")
            else:
                check(n, group.get(of(p), {}).get("global_attributes", {}).get("ext_id") == str(cid(n, p))
                      and member[p][0] == "synced", f"contact {p} added with its ext_id: {member[p]}")
        check(n, len(group) == (1 if refused else len(MEMBERS)), f"one receiver per member: {sorted(group)}")

    first_states = {n: states(crm_engine, n) for n in range(len(SPELLINGS))}
    again = run_dag("cleverreach_sync_recipients", {})
    assert again.states("sync_list") == ["success"] * len(SPELLINGS), again.task_states
    for n, server in enumerate(world):
        check(n, not writes(server), f"re-sync writes nothing: {[e['path'] for e in writes(server)]}")
        check(n, {p: s for p, (s, _) in states(crm_engine, n).items()} == {p: s for p, (s, _) in first_states[n].items()},
              f"member states kept: {states(crm_engine, n)}")
        server.client.clear_requests()

    with crm_engine.begin() as conn:
        for n in range(len(SPELLINGS)):
            conn.execute(text("UPDATE contact_person SET first_name = 'Annette' WHERE id = :c"), {"c": cid(n, 1)})
            conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = :l AND contact_person_id = :c"),
                         {"l": n + 1, "c": cid(n, 4)})
    third = run_dag("cleverreach_sync_recipients", {})
    assert third.states("sync_list") == ["success"] * len(SPELLINGS), third.task_states
    for n, server in enumerate(world):
        group = receivers(server)
        if SPELLINGS[n] == "refused":  # Anna's changed payload is tried once more, the others are not
            sent = [e for e in writes(server) if e["path"].endswith("/insert")]
            check(n, len(sent) == 1, f"only Anna's changed payload is sent again: {sent}")
            server.client.clear_requests()
            continue
        check(n, group[of(1)]["global_attributes"].get("firstname") == "Annette", "the change written to Anna's receiver")
        check(n, of(4) not in group and len(group) == len(MEMBERS) - 1, f"Cora removed, nobody else: {sorted(group)}")
        check(n, not [e for e in writes(server) if e["path"].endswith("/insert")], "no member re-added")
        server.client.clear_requests()

    last = run_dag("cleverreach_sync_recipients", {})
    assert last.states("sync_list") == ["success"] * len(SPELLINGS), last.task_states
    for n, server in enumerate(world):
        check(n, not writes(server), f"the last re-sync writes nothing: {[e['path'] for e in writes(server)]}")
        check(n, {p: s for p, (s, _) in states(crm_engine, n).items()}
              == {p: ("rejected" if SPELLINGS[n] == "refused" and p in IDN else "synced") for p in (1, 2, 3, 6)},
              f"member states: {states(crm_engine, n)}")
    assert not failures, "\n".join(failures)


def test_history_puts_the_events_of_an_idn_receiver_on_its_contact(world, crm_engine):
    finished = int(time.time()) - 3600
    for n, server in enumerate(world):
        client = f"client-{tenant(n)}"
        if SPELLINGS[n] != "refused":  # a form sign-up without ext_id: matched by its address
            server.client.signup(client, GROUP, EMAILS[5])
        stored = [r["email"] for r in server.client.group_receivers(GROUP)]
        server.client.send_mailing(client, [GROUP], name="Herbst", subject="Herbst", finished=finished,
                                   opens=[{"email": e, "stamp": finished + 60} for e in stored])
    loaded = run_dag("cleverreach_sync_mail_history")
    assert loaded.state == "success", loaded.task_states
    for n, server in enumerate(world):
        people = [1, 2, 3, 4, 5, 6] if SPELLINGS[n] != "refused" else [3]
        rows = fetch(crm_engine, "SELECT contact_person_id, kind FROM contact_history WHERE tenant_id = :t", t=tenant(n))
        got = sorted((int(r["contact_person_id"]) - 1000 * (n + 1), r["kind"]) for r in rows)
        assert got == sorted((p, kind) for p in people for kind in ("mail_sent", "mail_opened")), SPELLINGS[n]
        result = next(r for r in loaded.returns["load_history"] if r["tenant_id"] == tenant(n))
        assert result["unmatched"] == 0, (SPELLINGS[n], result)


def test_erasure_by_contact_id_and_by_either_spelling_leaves_no_receiver(world, crm_engine):
    for n, server in enumerate(world):
        if SPELLINGS[n] != "refused":  # Anna signed up in a group no list mirrors, by a form (no ext_id)
            server.client.signup(f"client-{tenant(n)}", "1002", EMAILS[1])
    # Anna by contact id, Jürgen by the Unicode spelling, Emil by IDNA 2008's punycode (in upper case)
    for conf in ({"contact_ids": [1]}, {"emails": ["jürgen@bücher.example"]}, {"emails": ["EMIL@XN--STRAE-OQA.DE"]}):
        for n in range(len(SPELLINGS)):
            named = {"contact_ids": [cid(n, 1)]} if "contact_ids" in conf else conf
            result = erase(crm_engine, tenant(n), **named)
            assert result.state == "success", (SPELLINGS[n], conf, result.task_states)
            report = result.value("erase")
            assert report["complete"] is True and report["cleverreach"]["receivers_failed"] == 0, (SPELLINGS[n], report)
    for n, server in enumerate(world):
        left, elsewhere = receivers(server), receivers(server, "1002")
        assert not [p for p in (1, 2, 6) if of(p) in left] and of(1) not in elsewhere, (SPELLINGS[n], sorted(left))
        assert of(3) in left, SPELLINGS[n]  # Ben stays
        assert not fetch(crm_engine, "SELECT * FROM sync_owned_receiver WHERE contact_person_id IN (:a, :b, :c)",
                         a=str(cid(n, 1)), b=str(cid(n, 2)), c=str(cid(n, 6)))
