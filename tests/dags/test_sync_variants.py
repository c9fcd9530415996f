"""The recipient sync under every plausible behaviour of the real CleverReach: the variant matrix.

Every [U] behaviour that matters to the sync is an emulator setting (``cleverreach_emulator.settings.
VARIANTS``). Each value of each of them, one at a time from the defaults, and all the riskiest values at
once, get their own emulator and a tenant with its own account and two lists. Four
``cleverreach_sync_recipients`` runs through Airflow then sync every list of every configuration at once
(set-up shared, one mapped task per list), and the scenarios are checked per configuration:

1. first sync: inserts, an adoption, a refused member, a form sign-up in another group with a member's
   address (never touched); the move from hyperspace's interface (``sync.takeover``): a member whose old
   address hyperspace left active (removed) and one who unsubscribed on the old address (every receiver
   of theirs deactivated, the member unsubscribed);
2. with ``removal_mode=deactivate``: an attribute change, a removal (verified, the stamp recorded as
   ours), a person who unsubscribes, a deleted group (marked only after the confirming read), the refused
   member not sent again;
3. with ``removal_mode=delete``: the deactivated member re-added (activated again), another member
   removed (deleted, verified by reading back); the unsubscribed person, removed and re-added in the CRM,
   is never re-activated;
4. an immediate re-sync: zero write calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cleverreach_emulator import EmulatorServer
from cleverreach_emulator.settings import VARIANTS
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.sync.service import ListSync

pytestmark = pytest.mark.usefixtures("airflow_db")

SYNC_SETTINGS = ("delete_by", "global_attribute_scope", "insert_without_activated", "activated_zero_on_existing",
                 "receivers_page_clamp", "deleted_group_response")
RISKIEST = {"delete_by": "id", "global_attribute_scope": "account", "insert_without_activated": "pending",
            "activated_zero_on_existing": "ignore", "receivers_page_clamp": 25, "deleted_group_response": "empty_list"}
CONFIGS: list[tuple[str, dict]] = [
    ("defaults", {}),
    *[(f"{name}={value}", {name: value}) for name in SYNC_SETTINGS for value in VARIANTS[name][1:]],
    ("riskiest", RISKIEST),
]
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}
FILLER = 30  # unowned receivers in every group A: more than a clamped page


@dataclass
class Tenant:
    """The tenant of one configuration: its account, its two lists and its contact ids."""

    config: int

    @property
    def id(self) -> str:
        return f"variant{self.config}"

    @property
    def client(self) -> str:
        return f"client-{self.id}"

    @property
    def secret(self) -> str:
        return f"secret-{self.id}-0000"

    @property
    def base(self) -> int:  # contact ids: base + 1 .. base + 9
        return 10_000 * (self.config + 1)

    @property
    def list_a(self) -> int:
        return 10 * self.config + 1

    @property
    def list_b(self) -> int:  # the form sign-up with a member's address, later deleted in CleverReach
        return 10 * self.config + 2

    @property
    def group_a(self) -> str:
        return str(5000 + self.list_a)

    @property
    def group_b(self) -> str:
        return str(5000 + self.list_b)

    def cid(self, n: int) -> int:
        return self.base + n


TENANTS = [Tenant(i) for i in range(len(CONFIGS))]
EMAILS = {1: "anna@example.org", 2: "bert@example.org", 3: "carl@example.org", 4: "dora@example.org",
          5: "refused@example.o", 6: "eva@example.org", 7: "fritz@example.org", 8: "hanna@example.org",
          9: "ida@example.org"}
MOVED = {8: "hanna.old@example.org", 9: "ida.old@example.org"}  # left by hyperspace's interface


@pytest.fixture(scope="module")
def emulators() -> Iterator[list[EmulatorServer]]:
    servers = [EmulatorServer().start() for _ in CONFIGS]
    yield servers
    for server in servers:
        server.stop()


def _seed(tenant: Tenant) -> dict:
    return {"accounts": [{
        "client_id": tenant.client, "client_secret": tenant.secret, "account_id": str(700000 + tenant.config),
        "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [
            {"id": tenant.group_a, "name": "A", "receivers": [
                {"email": EMAILS[6], "global_attributes": {}},  # a form sign-up of member 6: adopted
                {"email": "stranger@example.net", "global_attributes": {"ext_id": "77"}},  # not ours, whatever its ext_id
                # hyperspace's interface: member 8 unsubscribed on the old address, member 9 moved
                {"email": MOVED[8], "global_attributes": {"ext_id": str(tenant.cid(8))}, "unsubscribed": True},
                {"email": EMAILS[8], "global_attributes": {"ext_id": str(tenant.cid(8))}},
                {"email": MOVED[9], "global_attributes": {"ext_id": str(tenant.cid(9))}},
            ]},
            {"id": tenant.group_b, "name": "B", "receivers": [
                {"email": EMAILS[1], "global_attributes": {}},  # a form sign-up with the address of member 1 of list A
            ]},
        ],
    }]}


def connect(monkeypatch, emulators, removal_mode: str) -> None:
    for tenant in TENANTS:
        monkeypatch.setenv(f"AIRFLOW_CONN_CLEVERREACH_{tenant.id.upper()}", json.dumps({
            "conn_type": "cleverreach", "host": emulators[tenant.config].url, "login": tenant.client,
            "password": tenant.secret, "extra": {"removal_mode": removal_mode, **FAST}}))


@pytest.fixture
def matrix(emulators, crm_engine, monkeypatch):
    monkeypatch.setattr(ListSync, "GONE_CONFIRM_PAUSE", 0.0)
    migrate(crm_engine)
    for tenant in TENANTS:
        client = emulators[tenant.config].client
        client.reset(_seed(tenant))
        client.update_settings(**CONFIGS[tenant.config][1])
        client.generate_receivers(tenant.client, tenant.group_a, FILLER, email_pattern="filler{n}@example.net")
        add_tenants(crm_engine, {"id": tenant.id, "name": tenant.id})
        add_addresses(crm_engine, [{"id": tenant.base, "tenant_id": tenant.id, "name": "Müller & Söhne"}])
        add_contacts(crm_engine, [{"id": tenant.cid(n), "tenant_id": tenant.id, "address_id": tenant.base,
                                   "first_name": f"F{n}", "email": email} for n, email in EMAILS.items()])
        with crm_engine.begin() as conn:
            for list_id, group_id in ((tenant.list_a, tenant.group_a), (tenant.list_b, tenant.group_b)):
                conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                                  "VALUES (:i, :t, :g, :n, CURRENT_TIMESTAMP)"),
                             {"i": list_id, "t": tenant.id, "g": group_id, "n": f"list {list_id}"})
        add_members(crm_engine, tenant.list_a, [tenant.cid(n) for n in (1, 2, 3, 4, 5, 6, 8, 9)])
        add_members(crm_engine, tenant.list_b, [tenant.cid(7)])
    connect(monkeypatch, emulators, "delete")
    return emulators


# ---------------------------------------------------------------------- helpers
def group(emulators, tenant: Tenant, which: str = "a") -> dict[str, dict]:
    gid = tenant.group_a if which == "a" else tenant.group_b
    return {r["email"].lower(): r for r in emulators[tenant.config].client.group_receivers(gid)}


def states(engine, list_id: int) -> dict[int, tuple[str, str | None]]:
    rows = fetch(engine, "SELECT contact_person_id, sync_state, sync_error FROM recipient_list_member WHERE list_id = :l",
                 l=list_id)
    return {r["contact_person_id"]: (r["sync_state"], r["sync_error"]) for r in rows}


def writes(server: EmulatorServer) -> list[dict]:
    return [e for e in server.client.requests() if e["method"] in ("POST", "PUT", "DELETE") and e["path"].startswith("/v3")]


def clear_logs(emulators) -> None:
    for server in emulators:
        server.client.clear_requests()


def check(failures: list[str], condition: bool, tenant: Tenant, what: str) -> None:
    """Collect a failure with its configuration, so one run of the matrix reports every broken variant."""
    if not condition:
        failures.append(f"{CONFIGS[tenant.config][0]}: {what}")


# ---------------------------------------------------------------------- the matrix
def test_sync_is_correct_under_every_variant(matrix, crm_engine, monkeypatch):
    emulators, failures = matrix, []

    # --- 1. first sync
    first = run_dag("cleverreach_sync_recipients", {})
    # 2 lists per tenant: more lists than tenant_parallelism, so whole tenants share a task (lists.batches)
    assert first.state == "success" and set(first.states("sync_list")) == {"success"}, first.task_states
    for t in TENANTS:
        a, b = group(emulators, t), group(emulators, t, "b")
        member_states = states(crm_engine, t.list_a)
        check(failures, all(a[EMAILS[n]]["active"] and a[EMAILS[n]]["global_attributes"].get("ext_id") == str(t.cid(n))
                            for n in (1, 2, 3, 4, 6)), t, "members active with their ext_id")
        check(failures, EMAILS[5] not in a and member_states[t.cid(5)][0] == "rejected"
              and "refused by CleverReach" in member_states[t.cid(5)][1], t, "refused member rejected with the reason")
        check(failures, {member_states[t.cid(n)][0] for n in (1, 2, 3, 4, 6)} == {"synced"}, t, "members synced")
        check(failures, a["stranger@example.net"]["global_attributes"].get("ext_id") == "77"
              and a["stranger@example.net"]["active"], t, "a receiver not ours untouched")
        check(failures, b[EMAILS[1]]["active"] and not b[EMAILS[1]]["deactivated"], t,
              "form sign-up in another group with a member's address untouched")
        check(failures, not a[EMAILS[8]]["active"] and not a[MOVED[8]]["active"]
              and member_states[t.cid(8)][0] == "unsubscribed", t, "unsubscribed before the move: no receiver active")
        check(failures, MOVED[9] not in a and a[EMAILS[9]]["active"] and member_states[t.cid(9)][0] == "synced", t,
              "moved before the move: the stale address removed, the current one active")
        owned_b = fetch(crm_engine, "SELECT email_key FROM sync_owned_receiver WHERE list_id = :l", l=str(t.list_b))
        check(failures, [o["email_key"] for o in owned_b] == [EMAILS[7]], t, "list B owns only its member")

    # --- 2. deactivate mode: attribute change, removal, an unsubscribe, a deleted group
    connect(monkeypatch, emulators, "deactivate")
    clear_logs(emulators)
    with crm_engine.begin() as conn:
        for t in TENANTS:
            conn.execute(text("UPDATE contact_person SET first_name = 'Bertram' WHERE id = :c"), {"c": t.cid(2)})
            conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = :l AND contact_person_id = :c"),
                         {"l": t.list_a, "c": t.cid(3)})
    for t in TENANTS:
        emulators[t.config].client.unsubscribe(t.client, EMAILS[4], group_id=t.group_a)
        emulators[t.config].client.delete_group(t.client, t.group_b)
    second = run_dag("cleverreach_sync_recipients", {})
    gone_lists = {r["id"] for r in fetch(crm_engine, "SELECT id FROM recipient_list WHERE remote_deleted_at IS NOT NULL")}
    assert gone_lists == {t.list_b for t in TENANTS}
    assert second.state == "failed" and second.states("summarize") == ["failed"]  # every list B failed, list A synced
    for t in TENANTS:
        a = group(emulators, t)
        calls = [e for e in writes(emulators[t.config]) if e["client_id"] == t.client]
        check(failures, a[EMAILS[2]]["global_attributes"].get("firstname") == "Bertram", t, "attribute change written")
        owned = fetch(crm_engine, "SELECT our_deactivated FROM sync_owned_receiver WHERE list_id = :l AND email_key = :k",
                      l=str(t.list_a), k=EMAILS[3])
        check(failures, a[EMAILS[3]]["deactivated"] > 0 and owned and owned[0]["our_deactivated"] == a[EMAILS[3]]["deactivated"],
              t, "removed member deactivated, stamp recorded as ours")
        check(failures, states(crm_engine, t.list_a)[t.cid(4)][0] == "unsubscribed", t, "unsubscribe seen")
        check(failures, not any(e["path"].endswith("/insert") for e in calls), t, "refused member not sent again")
        reads = [e for e in emulators[t.config].client.requests()
                 if e["method"] == "GET" and e["path"].rstrip("/").endswith(f"/groups/{t.group_b}")]
        check(failures, len(reads) >= 3, t, "deleted group marked only after a confirming read")

    # --- 3. delete mode: the deactivated member comes back, another one leaves; the unsubscribed person
    #        is removed and re-added in the CRM
    connect(monkeypatch, emulators, "delete")
    clear_logs(emulators)
    with crm_engine.begin() as conn:
        for t in TENANTS:
            conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = :l AND contact_person_id IN (:c1, :c4)"),
                         {"l": t.list_a, "c1": t.cid(1), "c4": t.cid(4)})
    for t in TENANTS:
        add_members(crm_engine, t.list_a, [t.cid(3), t.cid(4)])
    third = run_dag("cleverreach_sync_recipients", {})
    assert third.state == "success" and set(third.states("sync_list")) == {"success"}, third.task_states
    for t in TENANTS:
        a = group(emulators, t)
        calls = [e for e in writes(emulators[t.config]) if e["client_id"] == t.client]
        check(failures, a[EMAILS[3]]["active"] and states(crm_engine, t.list_a)[t.cid(3)][0] == "synced", t,
              "re-added member active again")
        check(failures, any(e["path"].endswith("/activate") for e in calls), t, "our deactivation undone by activate")
        check(failures, EMAILS[1] not in a, t, "removed member deleted (verified)")
        check(failures, not a[EMAILS[4]]["active"] and states(crm_engine, t.list_a)[t.cid(4)][0] == "unsubscribed", t,
              "an unsubscribed person is never re-activated")
        check(failures, not any(a[EMAILS[4]]["id"] in e["path"] for e in calls), t, "no call names the opted-out receiver")

    # --- 4. an immediate re-sync writes nothing
    clear_logs(emulators)
    fourth = run_dag("cleverreach_sync_recipients", {})
    assert fourth.state == "success" and set(fourth.states("sync_list")) == {"success"}, fourth.task_states
    for t in TENANTS:
        check(failures, not [e for e in writes(emulators[t.config]) if e["client_id"] == t.client], t,
              "re-sync makes zero write calls")
        check(failures, sum(1 for r in group(emulators, t).values() if r["email"].startswith("filler")) == FILLER, t,
              "every receiver not ours still there")
        check(failures, not any(r["active"] for e, r in group(emulators, t).items() if e in (EMAILS[8], MOVED[8]))
              and states(crm_engine, t.list_a)[t.cid(8)][0] == "unsubscribed", t, "the unsubscribe before the move holds")
    assert not failures, "\n".join(failures)
