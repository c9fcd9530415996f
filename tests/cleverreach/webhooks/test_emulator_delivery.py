"""The whole loop against the emulator, nothing faked: members really synced to the emulator's group (``ListSync``,
so ``sync_owned_receiver`` holds the real receiver ids), the hooks registered through ``WebhookRegistrar`` (the
emulator's verification GET reaches the endpoint app under uvicorn), then people act in CleverReach (control API)
and the emulator's delivery thread POSTs the events: the CRM follows within a minute.

Every value of every webhook setting of the emulator's ``VARIANTS`` (one at a time from the defaults) and one
hostile combination, on SQLite and PostgreSQL; then the single scenarios (double opt-in, a sign-up again, a deletion
by someone else, a receiver not ours, another group, a forged token, a burst of 1000, removal through the DAG).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import requests
from cleverreach_emulator.settings import VARIANTS
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from helpers.webhook_server import WebhookServer, send_as_cleverreach
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.lists.store import ListStore
from cleverreach.sync.ledger import RunLedger
from cleverreach.sync.service import ListSync
from cleverreach.webhooks.events import DEFAULT_EVENTS, UNSUBSCRIBED
from cleverreach.webhooks.registration import WebhookRegistrar
from cleverreach.webhooks.store import WebhookStore

TENANT, CLIENT, SECRET = "acme", "acme-client", "acme-secret-0123456789"
LISTS = {"41": "1001", "42": "1002"}  # list -> group; contacts 1 and 2 are on both
WEBHOOK_SETTINGS = [name for name in VARIANTS if name.startswith(("webhook_", "eventhook_"))]
HOSTILE = {"webhook_token_in": "body", "webhook_payload_shape": "flat", "webhook_id_type": "string",
           "webhook_email": "encrypted", "webhook_duplicates": 1, "webhook_order": "shuffled", "webhook_retries": 3,
           "webhook_retry_delay": 0.01, "eventhook_path": "v3", "eventhook_delete_response": "404_if_none",
           "eventhook_unknown_condition": "400", "webhook_api_changes": "silent", "webhook_timeout": 1.0}
CONFIGS = [("defaults", {}, 0),
           *[(f"{name}={value}", {name: value}, 0) for name in WEBHOOK_SETTINGS for value in VARIANTS[name][1:]],
           ("retries_after_a_503", {"webhook_retries": 3, "webhook_retry_delay": 0.01}, 2),
           ("hostile", HOSTILE, 2)]
DEADLINE = 60.0


def email(contact: int) -> str:
    return f"p{contact}@acme.example"


@dataclass
class World:
    """One CRM and one emulator account, the lists synced and (once ``register``ed) their hooks registered."""

    engine: object
    client: object  # the emulator's EmulatorClient
    server: WebhookServer
    hook: CleverReachHook
    registrar: WebhookRegistrar = field(init=False)

    def __post_init__(self) -> None:
        self.registrar = WebhookRegistrar(self.hook, WebhookStore(self.engine), TENANT, self.server.base_url)

    def sync(self, list_id: str) -> dict:
        target = ListStore(self.engine).sync_target(TENANT, list_id)
        ledger = RunLedger(self.engine, holder=f"test/{list_id}/{time.monotonic()}", attempt=1)
        return ListSync(self.hook, ledger, target, dag_id="test", run_id=f"test-{time.time()}").run(dry_run=False)

    def register(self, list_id: str) -> dict:
        report = self.registrar.register(list_id, LISTS[list_id], DEFAULT_EVENTS)
        assert report["registered"] == list(DEFAULT_EVENTS) and report["failed"] == [], report
        return report

    def receiver(self, list_id: str, contact: int) -> str:
        (row,) = fetch(self.engine, "SELECT receiver_id FROM sync_owned_receiver WHERE list_id = :l "
                                    "AND contact_person_id = :c", l=list_id, c=str(contact))
        return str(row["receiver_id"])

    def owned(self, list_id: str) -> set[str]:
        return {str(r["receiver_id"]) for r in
                fetch(self.engine, "SELECT receiver_id FROM sync_owned_receiver WHERE list_id = :l", l=list_id)}

    def state(self, list_id: str, contact: int) -> str:
        (row,) = fetch(self.engine, "SELECT sync_state FROM recipient_list_member WHERE list_id = :l "
                                    "AND contact_person_id = :c", l=int(list_id), c=contact)
        return row["sync_state"]

    def states(self, list_id: str) -> dict[int, str]:
        return {int(r["contact_person_id"]): r["sync_state"] for r in
                fetch(self.engine, "SELECT contact_person_id, sync_state FROM recipient_list_member WHERE list_id = :l",
                      l=int(list_id))}

    def events(self) -> list[dict]:
        return fetch(self.engine, "SELECT * FROM webhook_event ORDER BY id")

    def wait_until(self, done: Callable[[], bool], deadline: float = DEADLINE) -> float:
        """Wait for the emulator's queue to drain, then poll ``done`` until the deadline; the seconds it took."""
        started = time.monotonic()
        self.client.wait_webhooks(deadline)
        while not done():
            assert time.monotonic() - started < deadline, "the CRM did not follow within the deadline"
            time.sleep(0.05)
        return time.monotonic() - started

    def api_token(self) -> str:
        return self.client.token(CLIENT, SECRET)


def seed_crm(engine, contacts: int) -> None:
    migrate(engine)
    add_tenants(engine, {"id": TENANT, "name": "ACME"})
    add_addresses(engine, [{"id": 10, "tenant_id": TENANT, "name": "Apotheke"}])
    add_contacts(engine, [{"id": c, "tenant_id": TENANT, "address_id": 10, "email": email(c)}
                          for c in range(1, contacts + 1)])
    with engine.begin() as conn:
        for list_id, group in LISTS.items():
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (:l, :t, :g, :n, CURRENT_TIMESTAMP)"),
                         {"l": int(list_id), "t": TENANT, "g": group, "n": f"List {list_id}"})
    add_members(engine, 41, range(1, contacts + 1))
    add_members(engine, 42, [1, 2])


@pytest.fixture
def make_world(emulator, crm_engine, monkeypatch) -> Iterator[Callable[..., World]]:
    """``make_world(settings, contacts=6, fail_first=0, double_opt_in=False)``: both lists synced, nothing
    registered yet."""
    servers: list[WebhookServer] = []

    def build(settings: dict | None = None, contacts: int = 6, fail_first: int = 0, double_opt_in: bool = False) -> World:
        emulator.client.reset({"accounts": [{
            "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
            "groups": [{"id": group, "name": f"Group {group}"} for group in LISTS.values()]}],
            "settings": settings or {}})
        seed_crm(crm_engine, contacts)
        extra = {"opt_in_by_group": {"1001": "double"}} if double_opt_in else {}
        set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                                   retry_initial_wait=0.01, retry_max_wait=0.2, **extra)
        server = WebhookServer(crm_engine, fail_first=fail_first).__enter__()
        servers.append(server)
        world = World(crm_engine, emulator.client, server, CleverReachHook("cleverreach_acme"))
        for list_id in LISTS:
            assert world.sync(list_id)["status"] == "success"
        return world

    yield build
    for server in servers:
        server.__exit__(None, None, None)


# ---------------------------------------------------------------------- every variant
@pytest.mark.parametrize(("settings", "fail_first"), [pytest.param(s, f, id=name) for name, s, f in CONFIGS])
def test_an_unsubscribe_in_cleverreach_reaches_the_crm(make_world, settings, fail_first):
    world = make_world(settings, fail_first=fail_first)
    for list_id in LISTS:
        world.register(list_id)
    assert world.states("41") == dict.fromkeys(range(1, 7), "synced")
    people = [1, 3, 4]
    ids = [world.receiver("41", c) for c in people]
    world.client.unsubscribe_many(CLIENT, "1001", receiver_ids=ids)
    took = world.wait_until(lambda: all(world.state("41", c) == "unsubscribed" for c in people))
    assert took < DEADLINE
    assert world.states("41") == {**dict.fromkeys(range(1, 7), "synced"), **dict.fromkeys(people, "unsubscribed")}
    assert world.states("42") == {1: "synced", 2: "synced"}  # the same person on another group's list: untouched
    events = world.events()
    assert sorted(e["receiver_id"] for e in events) == sorted(ids)  # each event recorded once, duplicates or not
    assert {(e["event"], e["outcome"], e["list_id"]) for e in events} == {(UNSUBSCRIBED, "applied", "41")}
    deliveries = world.client.webhook_deliveries(event=UNSUBSCRIBED)
    copies = 1 + int(settings.get("webhook_duplicates", 0))
    assert sum(d["ok"] for d in deliveries) == copies * len(people)
    assert world.server.refused == fail_first and sum(d["status"] == 503 for d in deliveries) == fail_first


# ---------------------------------------------------------------------- the single scenarios
def test_a_double_opt_in_confirmation_turns_the_member_synced(make_world):
    world = make_world(double_opt_in=True)
    world.register("41")
    assert world.state("41", 1) == world.state("41", 2) == "unconfirmed"
    world.client.confirm(CLIENT, "1001", email(1))
    world.wait_until(lambda: world.state("41", 1) == "synced")
    assert world.state("41", 2) == "unconfirmed"
    assert [(e["event"], e["outcome"]) for e in world.events()] == [("receiver.subscribed", "applied")]


def test_an_unsubscribed_member_who_signs_up_again_is_kept_unsubscribed(make_world):
    world = make_world()
    world.register("41")
    world.client.unsubscribe_many(CLIENT, "1001", receiver_ids=[world.receiver("41", 1)])
    world.wait_until(lambda: world.state("41", 1) == "unsubscribed")
    world.client.signup(CLIENT, "1001", email(1))  # the person signs up again through a CleverReach form
    world.wait_until(lambda: len(world.events()) == 2)
    assert world.state("41", 1) == "unsubscribed"  # consent is the CRM's: an event never subscribes again
    assert [(e["event"], e["outcome"]) for e in world.events()] == [
        (UNSUBSCRIBED, "applied"), ("receiver.subscribed", "kept")]


def test_a_receiver_deleted_by_someone_else_is_no_longer_owned(make_world):
    world = make_world()
    world.register("41")
    gone = world.receiver("41", 2)
    answer = requests.delete(f"{world.client.url}/v3/groups/1001/receivers/{gone}",
                             headers={"Authorization": f"Bearer {world.api_token()}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    world.wait_until(lambda: gone not in world.owned("41"))
    assert len(world.owned("41")) == 5 and world.state("41", 2) == "synced"  # the next sync decides, not the event
    assert [(e["event"], e["outcome"]) for e in world.events()] == [("receiver.deleted", "applied")]


def test_a_receiver_not_ours_is_recorded_and_changes_nothing(make_world):
    world = make_world()
    world.register("41")
    stranger = world.client.signup(CLIENT, "1001", "stranger@example.net")["id"]  # a form sign-up, never synced
    world.client.unsubscribe_many(CLIENT, "1001", receiver_ids=[stranger])
    world.wait_until(lambda: len(world.events()) == 1)
    assert [(e["event"], e["receiver_id"], e["outcome"]) for e in world.events()] == [
        (UNSUBSCRIBED, str(stranger), "not_ours")]
    assert set(world.states("41").values()) == {"synced"} and str(stranger) not in world.owned("41")


def test_an_event_of_another_group_changes_only_that_groups_list(make_world):
    world = make_world()
    world.register("41")
    world.register("42")
    world.client.unsubscribe_many(CLIENT, "1002", receiver_ids=[world.receiver("42", 1)])
    world.wait_until(lambda: world.state("42", 1) == "unsubscribed")
    assert world.state("41", 1) == "synced"
    # a POST with list 41's real token that names group 1002: recorded as another group's, nothing changes
    (reg,) = [r for r in world.client.webhook_registrations() if r["event"] == UNSUBSCRIBED and r["condition"] == "1001"]
    answer = send_as_cleverreach(reg["url"], reg["call_token"], {"event": UNSUBSCRIBED, "condition": "1002",
                                                                 "payload": {"pool_id": world.receiver("41", 2)}})
    assert (answer.status_code, answer.json()["outcome"]) == (200, "unknown_group")
    assert world.state("41", 2) == "synced"


def test_a_forged_post_with_a_wrong_token_is_refused(make_world):
    world = make_world()
    world.register("41")
    (reg,) = [r for r in world.client.webhook_registrations() if r["event"] == UNSUBSCRIBED]
    body = {"event": UNSUBSCRIBED, "condition": "1001", "payload": {"pool_id": world.receiver("41", 1)}}
    for placement in ("header", "query", "body"):
        answer = send_as_cleverreach(reg["url"], "f" * 64, body, placement)
        assert answer.status_code == 403
    assert requests.post(reg["url"], json=body, timeout=30).status_code == 401
    assert world.events() == [] and world.state("41", 1) == "synced"


@pytest.mark.parametrize("duplicates", [0, 1])
def test_a_burst_of_1000_unsubscribes(make_world, duplicates, record_property, capsys):
    world = make_world({"webhook_duplicates": duplicates}, contacts=1000)
    world.register("41")
    assert len(world.owned("41")) == 1000
    started, cpu = time.monotonic(), time.process_time()
    ids = world.client.unsubscribe_many(CLIENT, "1001", count=1000)
    assert len(ids) == 1000
    took = world.wait_until(lambda: set(world.states("41").values()) == {"unsubscribed"}, deadline=300)
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    events = world.events()
    assert len(events) == 1000 and len({e["receiver_id"] for e in events}) == 1000
    assert {e["outcome"] for e in events} == {"applied"}
    assert len(world.client.webhook_deliveries(event=UNSUBSCRIBED)) == 1000 * (1 + duplicates)
    record_property("burst_seconds", round(wall, 2))
    with capsys.disabled():
        print(f"\nburst of 1000 unsubscribes ({1000 * (1 + duplicates)} deliveries, {world.engine.dialect.name}): "
              f"{wall:.1f} s wall ({took:.1f} s after the call), {cpu:.1f} s CPU of the test process")


@pytest.mark.usefixtures("airflow_db")
def test_removal_through_the_dag_leaves_other_groups_and_stops_the_changes(make_world, monkeypatch):
    from scripts.airflow_runner import run_dag

    world = make_world()
    world.register("41")
    world.register("42")
    before = {r["call_token"]: r for r in world.client.webhook_registrations() if r["condition"] == "1001"}
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__WEBHOOK_BASE_URL", world.server.base_url)
    removed = run_dag("cleverreach_webhooks", {"tenant": TENANT, "list_id": "41", "action": "remove"})
    assert removed.state == "success", removed
    (report,) = removed.returns["webhooks"]
    assert report["lists"][0]["removed"] == list(DEFAULT_EVENTS) and report["failed"] == 0
    left = world.client.webhook_registrations()
    assert {(r["event"], r["condition"]) for r in left} == {(e, "1002") for e in DEFAULT_EVENTS}

    world.client.clear_webhook_deliveries()
    world.client.unsubscribe_many(CLIENT, "1001", receiver_ids=[world.receiver("41", 3)])
    world.client.unsubscribe_many(CLIENT, "1002", receiver_ids=[world.receiver("42", 2)])
    world.wait_until(lambda: world.state("42", 2) == "unsubscribed")
    assert {d["condition"] for d in world.client.webhook_deliveries()} == {"1002"}  # none for the removed group
    assert world.state("41", 3) == "synced"
    for token, reg in before.items():  # a late or forged delivery with a removed registration's token
        if reg["event"] == UNSUBSCRIBED:
            answer = send_as_cleverreach(reg["url"], token, {"event": UNSUBSCRIBED, "condition": "1001",
                                                             "payload": {"pool_id": world.receiver("41", 4)}})
            assert answer.status_code == 403
    assert world.state("41", 4) == "synced"
    assert [(e["list_id"], e["outcome"]) for e in world.events()] == [("42", "applied")]


@pytest.mark.parametrize("removal_mode", ["deactivate", "delete"])
def test_our_own_sync_writes_do_not_unsubscribe_anyone(make_world, monkeypatch, removal_mode):
    """Under ``webhook_api_changes="notify"`` the sync's own writes fire events too: an e-mail change (a new
    receiver, the old one removed) and a member taken off the list must not come back as an unsubscribe."""
    world = make_world()
    world.register("41")
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", world.client.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=0.2, removal_mode=removal_mode)
    world.hook = CleverReachHook("cleverreach_acme")
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE contact_person SET email = 'p1.new@acme.example' WHERE id = 1"))
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 41 AND contact_person_id = 2"))
    assert world.sync("41")["status"] == "success"
    world.client.wait_webhooks(DEADLINE)
    fired = world.client.webhook_deliveries()
    assert fired and all(d["ok"] for d in fired)  # the sync's own writes did fire events (notify)
    assert world.state("41", 1) == "synced"  # a changed address is not an unsubscribe
    unsubscribes = [e["outcome"] for e in world.events() if e["event"] == UNSUBSCRIBED]
    assert "applied" not in unsubscribes
    assert world.sync("41")["status"] == "success" and world.state("41", 1) == "synced"
    assert world.client.group_receivers("1001") and any(
        r["email"] == "p1.new@acme.example" and r["active"] for r in world.client.group_receivers("1001"))
