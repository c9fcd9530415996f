"""cleverreach_sync_recipients through Airflow against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import pytest
from helpers.assets import add_consumer_dags, asset_events, queued_for
from helpers.audit import audit_events, run_actor
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-000111"
GROUP = "1001"
FAST_RETRIES = {"retry_initial_wait": 0.01, "retry_max_wait": 1}


def receiver(email, ext_id="", **fields):
    return {"email": email, "global_attributes": {"ext_id": ext_id} if ext_id else {}, **fields}


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    """Tenant acme: list 1 ↔ group 1001; contacts 1..9 on address 'Bäckerei Müller'."""
    emulator.client.reset(
        {
            "accounts": [
                {
                    "client_id": CLIENT,
                    "client_secret": SECRET,
                    "attributes": [{"name": "ext_id", "type": "text"}],
                    "groups": [
                        {
                            "id": GROUP,
                            "name": "Newsletter",
                            "receivers": [
                                receiver("form@example.org"),  # a form sign-up: never touched
                                receiver("adopt@example.org"),  # matches contact 7 by e-mail, no ext_id
                                receiver("gone@example.org", "999"),  # carries an ext_id, but the sync never owned it
                                receiver("unsub@example.org", "5", unsubscribed=True),
                                receiver("bounce@example.org", "6", bounced=1700000000),
                            ],
                        }
                    ],
                }
            ]
        }
    )
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_addresses(crm_engine, [{"id": 100, "tenant_id": "acme", "name": "Bäckerei Müller", "city": "Köln"}])
    contacts = [
        {"id": 1, "email": "anna@example.org", "first_name": "Anna"},
        {"id": 2, "email": "not-an-address", "first_name": "Bad"},
        {"id": 3, "email": "shared@example.org", "first_name": "First"},
        {"id": 4, "email": " SHARED@example.org ", "first_name": "Second"},
        {"id": 5, "email": "unsub@example.org", "first_name": "Unsub"},
        {"id": 6, "email": "bounce@example.org", "first_name": "Bounce"},
        {"id": 7, "email": "Adopt@Example.org", "first_name": "Adopt"},
        {"id": 8, "email": "  Jürgen.Groß@Bücher.example ", "first_name": "Jürgen", "last_name": "Groß"},
        {"id": 9, "email": None, "first_name": "Nomail"},
    ]
    add_contacts(crm_engine, [{"tenant_id": "acme", "address_id": 100, "salutation": "Herr", **c} for c in contacts])
    with crm_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES (1, 'acme', :g, 'Newsletter', CURRENT_TIMESTAMP)"),
            {"g": GROUP},
        )
    add_members(crm_engine, 1, [c["id"] for c in contacts])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET, **FAST_RETRIES)
    return emulator


def writes(emulator) -> int:
    return emulator.client.counters()["writes"]


def members(engine) -> dict[int, dict]:
    return {r["contact_person_id"]: r for r in fetch(engine, "SELECT * FROM recipient_list_member WHERE list_id = 1")}


def remote(emulator) -> dict[str, dict]:
    return {r["email"].lower(): r for r in emulator.client.group_receivers(GROUP)}


def test_dry_run_then_sync_then_nothing_to_do(world, crm_engine):
    emulator = world
    # --- dry run: the plan is stored, nothing is written anywhere else
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1, "dry_run": True})
    assert result.state == "success"
    assert writes(emulator) == 0
    (plan,) = result.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"], plan["rejected"]) == (3, 1, 0, 3)
    run = fetch(crm_engine, "SELECT * FROM sync_run")[0]
    assert (run["status"], bool(run["dry_run"])) == ("dry_run", True)
    changes = fetch(crm_engine, "SELECT action, email, reason, result FROM sync_change ORDER BY id")
    assert {(c["action"], c["result"]) for c in changes} >= {("add", "planned"), ("update", "planned"), ("reject", "rejected")}
    assert all(m["sync_state"] == "pending" for m in members(crm_engine).values())

    # --- the sync
    emulator.client.clear_requests()
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert result.state == "success"
    (done,) = result.returns["sync_list"]
    assert (done["added"], done["updated"], done["removed"], done["rejected"], done["status"]) == (3, 1, 0, 3, "success")
    receivers = remote(emulator)
    assert receivers["anna@example.org"]["global_attributes"].get("ext_id", "") == "1"
    assert receivers["anna@example.org"]["global_attributes"]["company"] == "Bäckerei Müller"
    assert receivers["adopt@example.org"]["global_attributes"].get("ext_id", "") == "7"  # adopted
    assert receivers["jürgen.groß@bücher.example"]["global_attributes"]["lastname"] == "Groß"
    assert receivers["form@example.org"]["global_attributes"].get("ext_id", "") == ""  # untouched
    assert receivers["gone@example.org"]["active"]  # an ext_id is no proof of ownership: never removed
    assert receivers["shared@example.org"]["global_attributes"].get("ext_id", "") == "3"  # the lower id wins
    assert not receivers["unsub@example.org"]["active"] and not receivers["bounce@example.org"]["active"]
    state = members(crm_engine)
    assert {cid: m["sync_state"] for cid, m in state.items()} == {
        1: "synced", 2: "rejected", 3: "synced", 4: "rejected", 5: "unsubscribed",
        6: "bounced", 7: "synced", 8: "synced", 9: "rejected",
    }
    assert state[4]["sync_error"] == "duplicate e-mail on this list, also used by contact 3"
    assert state[9]["sync_error"] == "missing e-mail" and state[2]["sync_error"].startswith("invalid e-mail")
    assert state[1]["synced_at"] is not None
    # No write ever touched the consent of the unsubscribed or bounced receiver.
    for entry in emulator.client.requests():
        assert entry["status"] < 400 or entry["path"].startswith("/oauth")
    count = fetch(crm_engine, "SELECT remote_member_count FROM recipient_list WHERE id = 1")[0]["remote_member_count"]
    assert count == len(receivers)
    run = fetch(crm_engine, "SELECT * FROM sync_run ORDER BY id DESC")[0]
    assert (run["status"], run["added"], run["removed"]) == ("success", 3, 0)
    assert {c["result"] for c in fetch(crm_engine, "SELECT result FROM sync_change WHERE run_id = :r AND action IN ('add', 'update', 'remove')", r=run["id"])} == {"ok"}
    owned = fetch(crm_engine, "SELECT email_key, receiver_id, origin FROM sync_owned_receiver WHERE list_id = '1'")
    assert {o["email_key"]: o["origin"] for o in owned} == {
        "anna@example.org": "created", "shared@example.org": "created", "adopt@example.org": "adopted",
        "jürgen.groß@xn--bcher-kva.example": "created"}
    assert all(o["receiver_id"] for o in owned)
    # new receivers carry activated explicitly (opt_in confirmed: now)
    assert receivers["anna@example.org"]["activated"] > 0

    # --- again: nothing to do, zero write calls
    emulator.client.clear_requests()
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme"})
    (again,) = result.returns["sync_list"]
    assert (again["added"], again["updated"], again["removed"]) == (0, 0, 0)
    assert writes(emulator) == 0


def test_guard_blocks_mass_removal(world, crm_engine):
    """The plan is stored and blocked; only an admin's approval bound to a run lets it through
    (``test_cleverreach_sync_approval``)."""
    emulator = world
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    extra = [{"id": 100 + i, "tenant_id": "acme", "address_id": 100, "email": f"m{i}@example.org"} for i in range(40)]
    add_contacts(crm_engine, extra)
    add_members(crm_engine, 1, [c["id"] for c in extra])
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    with crm_engine.begin() as conn:  # remove 30 of the 44 active receivers the sync owns: more than max(10, 20 %)
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 1 AND contact_person_id >= 110"))
    emulator.client.clear_requests()

    blocked = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert blocked.state == "failed" and blocked.states("sync_list") == ["failed"]
    assert writes(emulator) == 0
    run = fetch(crm_engine, "SELECT status, message FROM sync_run ORDER BY id DESC")[0]
    assert run["status"] == "blocked" and "an admin approves this blocked plan" in run["message"]
    assert len([r for r in remote(emulator).values() if r["email"].startswith("m")]) == 40

    # the audit: each run started and finished, by the run's user (or the run), with status and counts
    events = audit_events(crm_engine, "sync_")
    assert [(e["action"], e["detail"].get("status")) for e in events] == [
        ("sync_started", None), ("sync_finished", "success"), ("sync_started", None), ("sync_finished", "success"),
        ("sync_started", None), ("sync_finished", "blocked")]
    started, finished = events[-2:]
    runs = fetch(crm_engine, "SELECT id FROM sync_run ORDER BY id")
    assert started["detail"] == {"sync_run_id": runs[-1]["id"], "dry_run": False, "taken_over": []}
    assert (finished["detail"]["sync_run_id"], finished["detail"]["removed"]) == (runs[-1]["id"], 30)
    actor = run_actor("cleverreach_sync_recipients", blocked.run_id)
    assert {(e["actor"], e["run_id"], e["list_id"], e["tenant_id"]) for e in (started, finished)} == {
        (actor, blocked.run_id, "1", "acme")}  # the list's key, as text


def test_batches_email_change_and_removal_by_deactivation(world, crm_engine, monkeypatch):
    emulator = world
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET,
                               removal_mode="deactivate", batch_size=1000, **FAST_RETRIES)
    bulk = [{"id": 1000 + i, "tenant_id": "acme", "email": f"bulk{i}@example.org"} for i in range(2345)]
    add_contacts(crm_engine, bulk)
    add_members(crm_engine, 1, [c["id"] for c in bulk])
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    calls = emulator.client.counters()["by_endpoint"]
    # 2345 + 3 new members inserted in batches of 1000; the adoption is the one upsert; nothing removed
    assert calls["POST /v3/groups/{id}/receivers/insert"] == math.ceil((2345 + 3) / 1000)
    assert calls["POST /v3/groups/{id}/receivers/upsert"] == 1
    assert remote(emulator)["gone@example.org"]["active"] is True  # not ours: left alone

    # An e-mail change: the old receiver goes, the new one comes, one active receiver for the contact.
    with crm_engine.begin() as conn:
        conn.execute(text("UPDATE contact_person SET email = 'anna.neu@example.org' WHERE id = 1"))
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert result.state == "success"
    receivers = remote(emulator)
    active_for_1 = [r for r in receivers.values() if r["global_attributes"].get("ext_id", "") == "1" and r["active"]]
    assert [r["email"] for r in active_for_1] == ["anna.neu@example.org"]
    change = fetch(crm_engine, "SELECT reason FROM sync_change WHERE action = 'deactivate' AND email = 'anna@example.org'")
    assert change and change[0]["reason"] == "e-mail changed in the CRM"
    # ...and the deactivated old address is never reactivated by later syncs
    emulator.client.clear_requests()
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert writes(emulator) == 0


def test_converges_under_faults_and_after_a_crash(world, crm_engine):
    emulator = world
    bulk = [{"id": 1000 + i, "tenant_id": "acme", "email": f"bulk{i}@example.org"} for i in range(1500)]
    add_contacts(crm_engine, bulk)
    add_members(crm_engine, 1, [c["id"] for c in bulk])
    # A crash mid-apply: the second upsert batch fails for good (more failures than retries).
    emulator.client.set_faults(next=[{"status": 500, "count": 50, "path_regex": "receivers/insert", "skip": 1}])
    crashed = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert crashed.state == "failed"
    assert fetch(crm_engine, "SELECT status FROM sync_run ORDER BY id DESC")[0]["status"] == "failed"
    assert 500 <= len(remote(emulator)) < 1500  # the first batch (default batch_size 500) went through
    # the members whose batch went through are marked although the run failed (in one pass at its end)
    created = {int(r["global_attributes"]["ext_id"]) for r in remote(emulator).values()
               if int(r["global_attributes"].get("ext_id") or 0) >= 1000}
    states = members(crm_engine)
    assert len(created) >= 400  # a batch of 500 in e-mail order: mostly bulk addresses
    assert {cid for cid, m in states.items() if cid >= 1000 and m["sync_state"] == "synced"} == created
    assert {m["sync_state"] for cid, m in states.items() if cid >= 1000 and cid not in created} == {"pending"}

    # 20 % faults (5xx and 429) and a revoked token: the rerun still converges.
    emulator.client.set_faults(error_rate=0.1, rate_limit_rate=0.1, retry_after=0, seed=7)
    emulator.client.revoke_tokens(CLIENT)
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert result.state == "success", result
    emulator.client.clear_faults()
    owned = {r["global_attributes"].get("ext_id", "") for r in remote(emulator).values() if r["global_attributes"].get("ext_id", "")}
    expected = {str(c["id"]) for c in bulk} | {"1", "3", "5", "6", "7", "8", "999"}
    assert owned == expected
    assert {m["sync_state"] for cid, m in members(crm_engine).items() if cid >= 1000} == {"synced"}
    emulator.client.clear_requests()
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert writes(emulator) == 0


def test_list_of_another_tenant_is_refused_before_any_io(world, crm_engine):
    add_tenants(crm_engine, {"id": "other", "name": "Other"})
    world.client.clear_requests()
    result = run_dag("cleverreach_sync_recipients", {"tenant": "other", "list_id": 1})
    assert result.state == "failed" and result.states("resolve_lists") == ["failed"]
    assert world.client.requests() == []
    assert fetch(crm_engine, "SELECT * FROM sync_run") == []


def test_a_transient_404_does_not_retire_the_list(world, crm_engine, monkeypatch):
    from cleverreach.sync.service import ListSync

    monkeypatch.setattr(ListSync, "GONE_CONFIRM_PAUSE", 0.0)
    # one 404 on the receivers read and one on the group read: a single confirming read would retire the list
    world.client.set_faults(next=[{"status": 404, "count": 1, "path_regex": f"groups/{GROUP}/receivers$", "methods": ["GET"]},
                                  {"status": 404, "count": 1, "path_regex": f"groups/{GROUP}$", "methods": ["GET"]}])
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert fetch(crm_engine, "SELECT remote_deleted_at FROM recipient_list WHERE id = 1")[0]["remote_deleted_at"] is None
    world.client.clear_faults()
    assert run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1}).state == "success"


def test_a_413_mid_run_lowers_the_batch_size_and_goes_on(world, crm_engine):
    world.client.update_settings(batch_limit=200)  # below the default batch of 500: every first try is a 413
    bulk = [{"id": 1000 + i, "tenant_id": "acme", "email": f"bulk{i}@example.org"} for i in range(700)]
    add_contacts(crm_engine, bulk)
    add_members(crm_engine, 1, [c["id"] for c in bulk])
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert result.state == "success" and result.returns["sync_list"][0]["added"] == 703
    assert {m["sync_state"] for cid, m in members(crm_engine).items() if cid >= 1000} == {"synced"}
    assert len(fetch(crm_engine, "SELECT 1 FROM sync_owned_receiver WHERE list_id = '1'")) == 704


def test_double_opt_in_creates_pending_receivers_and_unconfirmed_members(world, crm_engine, monkeypatch):
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", world.url, CLIENT, SECRET,
                               opt_in_by_group={GROUP: "double"}, **FAST_RETRIES)
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    anna = remote(world)["anna@example.org"]
    assert (anna["activated"], anna["deactivated"], anna["active"]) == (0, 0, False)
    state = members(crm_engine)
    assert state[1]["sync_state"] == "unconfirmed" and "double opt-in" in state[1]["sync_error"]
    assert state[7]["sync_state"] == "synced"  # the adopted form sign-up was active already
    world.client.clear_requests()
    run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert writes(world) == 0 and members(crm_engine)[1]["sync_state"] == "unconfirmed"


def test_an_insert_refused_because_the_address_exists_meanwhile_is_matched_next_time(world, crm_engine):
    # The insert is applied but its answer is lost; the retry is refused per item ("duplicate address").
    world.client.set_faults(next=[{"status": 500, "count": 1, "path_regex": "receivers/insert", "after": True}])
    first = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert first.returns["sync_list"][0]["status"] == "partial"
    state = members(crm_engine)
    assert state[1]["sync_state"] == "pending" and "matched on the next sync" in state[1]["sync_error"]
    assert fetch(crm_engine, "SELECT * FROM sync_refusal") == []  # not a refusal to remember
    second = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    assert second.returns["sync_list"][0]["status"] == "success"
    assert members(crm_engine)[1]["sync_state"] == "synced"
    owned = {o["email_key"]: o["origin"] for o in fetch(crm_engine, "SELECT email_key, origin FROM sync_owned_receiver")}
    assert owned["anna@example.org"] == "adopted"


def test_only_a_sync_that_changed_the_group_emits_the_lists_asset_event(world, crm_engine, tmp_path):
    uri = "cleverreach://tenants/acme/lists/1/recipients"
    add_consumer_dags(tmp_path, {"customer_on_acme_list_1": f"[Asset({uri!r})]",
                                 "customer_on_any_list": "[AssetAlias('cleverreach_list_recipients')]"})
    dry = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1, "dry_run": True})
    assert dry.state == "success" and dry.returns["sync_list"][0]["added"] == 3
    assert asset_events(dry.run_id) == []  # a dry run writes nothing: no event, nothing queued
    assert queued_for("customer_on_acme_list_1") == [] and queued_for("customer_on_any_list") == []

    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    (done,) = result.returns["sync_list"]
    (event,) = asset_events(result.run_id)
    assert (event["uri"], event["aliases"], event["task_id"]) == (uri, ["cleverreach_list_recipients"], "sync_list")
    extra = event["extra"]
    assert (extra["tenant_id"], extra["list_id"], extra["sync_run_id"], extra["status"]) == ("acme", "1", done["sync_run_id"], "success")
    assert (extra["added"], extra["updated"], extra["removed"], extra["rejected"]) == (3, 1, 0, 3)
    assert "@" not in str(extra)
    assert queued_for("customer_on_acme_list_1") == [uri] and queued_for("customer_on_any_list") == [uri]

    again = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})  # nothing to do: no event
    assert again.returns["sync_list"][0]["added"] == 0 and asset_events(again.run_id) == []


def test_a_batch_of_lists_syncs_the_others_when_one_fails_and_the_run_turns_red(world, crm_engine, monkeypatch):
    """Three lists in one mapped task ([cleverreach] lists_per_task): list 2's group is gone, lists 1 and 3 sync;
    the task fails at the end (without retry: the group is gone for good) and the summary names list 2."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    from cleverreach.sync.service import ListSync

    monkeypatch.setenv("AIRFLOW__CLEVERREACH__LISTS_PER_TASK", "3")
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__TENANT_PARALLELISM", "1")
    monkeypatch.setattr(ListSync, "GONE_CONFIRM_PAUSE", 0)
    groups = {f"Liste {n}": str(world.client.create_group(CLIENT, f"Liste {n}")["id"]) for n in (2, 3)}
    with crm_engine.begin() as conn:
        for number in (2, 3):
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (:i, 'acme', :g, :n, CURRENT_TIMESTAMP)"),
                         {"i": number, "g": groups[f"Liste {number}"], "n": f"Liste {number}"})
    for number in (2, 3):
        add_members(crm_engine, number, [1])
    world.client.delete_group(CLIENT, groups["Liste 2"])

    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme"})
    assert result.state == "failed"
    assert result.states("sync_list") == ["failed"] and result.states("summarize") == ["failed"]
    with create_session() as session:
        (label,) = session.query(TaskInstance.rendered_map_index).filter(
            TaskInstance.run_id == result.run_id, TaskInstance.task_id == "sync_list").one()
    assert label == "acme: 3 lists"
    assert "anna@example.org" in remote(world)  # list 1, before the failed one
    assert [r["email"] for r in world.client.group_receivers(groups["Liste 3"])] == ["anna@example.org"]  # after it
    runs = {r["list_id"]: r["status"] for r in fetch(crm_engine, "SELECT list_id, status FROM sync_run")}
    assert runs == {"1": "success", "3": "success"}  # list 2's group was confirmed gone before a run began
    (gone,) = fetch(crm_engine, "SELECT id FROM recipient_list WHERE remote_deleted_at IS NOT NULL")
    assert str(gone["id"]) == "2"
    # Airflow drops the failed task's events: the lists it synced get theirs from late_asset_events
    events = sorted((e["uri"], e["task_id"]) for e in asset_events(result.run_id))
    assert events == [(f"cleverreach://tenants/acme/lists/{n}/recipients", "late_asset_events") for n in (1, 3)]
    assert result.states("late_asset_events") == ["success"]


def test_changes_only_between_full_reconciliations_through_airflow(world, crm_engine, monkeypatch):
    """With ``reconcile_hours``: the second run reads only the changed contacts (an umlaut domain among them), a
    changed contact whose old receiver carries its ext_id unsubscribed makes the run full, and ``full_reconcile``
    reads the whole group and finds nothing left to do."""
    emulator = world
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET, reconcile_hours=24,
                               **FAST_RETRIES)
    assert run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1}).state == "success"
    with crm_engine.begin() as conn:
        conn.execute(text("UPDATE contact_person SET first_name = 'Änne', changed_at = CURRENT_TIMESTAMP WHERE id IN (1, 8)"))

    emulator.client.clear_requests()
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    (done,) = result.returns["sync_list"]
    assert (done["added"], done["updated"], done["removed"], done["status"]) == (0, 2, 0, "success")
    assert fetch(crm_engine, "SELECT scope FROM sync_run ORDER BY id DESC")[0]["scope"] == "changes"
    paged = [r for r in emulator.client.requests() if r["path"].endswith(f"/groups/{GROUP}/receivers")
             and "_list=" not in (r.get("query") or "")]
    assert paged == []
    receivers = remote(emulator)
    assert receivers["jürgen.groß@bücher.example"]["global_attributes"]["firstname"] == "Änne"
    assert receivers["anna@example.org"]["global_attributes"]["firstname"] == "Änne"

    with crm_engine.begin() as conn:  # contact 5 unsubscribed under unsub@example.org, which names it by ext_id
        conn.execute(text("UPDATE contact_person SET email = 'neu5@example.org', changed_at = CURRENT_TIMESTAMP WHERE id = 5"))
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1})
    (done,) = result.returns["sync_list"]
    assert fetch(crm_engine, "SELECT scope FROM sync_run ORDER BY id DESC")[0]["scope"] == "full"
    assert done["added"] == 0 and "neu5@example.org" not in remote(emulator)

    emulator.client.clear_requests()
    result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": 1, "full_reconcile": True})
    (check,) = result.returns["sync_list"]
    assert fetch(crm_engine, "SELECT scope FROM sync_run ORDER BY id DESC")[0]["scope"] == "full"
    assert (check["added"], check["updated"], check["removed"]) == (0, 0, 0) and writes(emulator) == 0
