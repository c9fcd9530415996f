"""Event hooks: registration with the verification call, listing, deletion, paths, control routes.

Deliveries under every setting are in test_eventhooks_delivery.py."""

import time

import pytest
import requests


def test_registration_verifies_the_url_and_answers_token_and_secret(emu, api, hook_receiver):
    r = api.post("/hooks/eventhook", json={"url": hook_receiver.url, "event": "receiver",
                                           "condition": "1001", "verify": hook_receiver.verify})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    assert len(body["call_token"]) == 64 and len(body["secret"]) == 32
    assert hook_receiver.checks == [body["secret"]]  # the verification call carried the secret
    regs = emu.client.webhook_registrations("acme")
    assert [(x["url"], x["event"], x["condition"], x["call_token"], x["secret"]) for x in regs] == [
        (hook_receiver.url, "receiver", "1001", body["call_token"], body["secret"])]


def test_a_wrong_verification_answer_registers_nothing(emu, api, hook_receiver):
    hook_receiver.wrong = True
    r = api.post("/hooks/eventhook", json={"url": hook_receiver.url, "event": "receiver",
                                           "condition": "1001", "verify": hook_receiver.verify})
    assert r.status_code == 400
    assert "verification" in r.json()["error"]["message"]
    assert len(hook_receiver.checks) == 1
    assert api.get("/hooks/eventhook").json() == []
    assert emu.client.webhook_registrations() == []


def test_an_unreachable_url_registers_nothing(emu, api, hook_receiver):
    url = hook_receiver.url
    hook_receiver.close()
    r = api.post("/hooks/eventhook", json={"url": url, "event": "receiver", "condition": "1001",
                                           "verify": "0123456789"})
    assert r.status_code == 400 and "verification call failed" in r.json()["error"]["message"]
    assert emu.client.webhook_registrations() == []


def test_a_verification_answer_with_another_verify_token_fails(emu, api, hook_receiver):
    r = api.post("/hooks/eventhook", json={"url": hook_receiver.url, "event": "receiver",
                                           "condition": "1001", "verify": "another-token"})
    assert r.status_code == 400
    assert emu.client.webhook_registrations() == []


@pytest.mark.parametrize("change, message", [
    ({"event": "newsletter"}, "invalid event"),
    ({"event": "receiver.bounced"}, "invalid event"),
    ({"event": "form."}, "invalid event"),
    ({"event": None}, "invalid event"),
    ({"verify": "short"}, "verify"),
    ({"verify": "x" * 51}, "verify"),
    ({"verify": 1234567890}, "verify"),
    ({"url": "ftp://example.com/hook"}, "invalid url"),
    ({"url": None}, "invalid url"),
])
def test_bad_bodies_are_refused_before_any_call(api, hook_receiver, change, message):
    body = {"url": hook_receiver.url, "event": "receiver", "condition": "1001", "verify": hook_receiver.verify}
    r = api.post("/hooks/eventhook", json={**body, **change})
    assert r.status_code == 400 and message in r.json()["error"]["message"]
    assert hook_receiver.checks == []


@pytest.mark.parametrize("event", ["receiver", "receiver.subscribed", "receiver.unsubscribed",
                                   "receiver.created", "receiver.updated", "receiver.deleted",
                                   "form", "form.submitted", "filter", "group", "automation"])
def test_every_named_event_and_family_registers(register, event):
    assert register(event=event)["success"] is True


@pytest.mark.parametrize("setting, status", [("404", 404), ("400", 400)])
@pytest.mark.parametrize("condition", ["999999", "2001"])  # unknown; another account's group
def test_a_condition_that_is_no_group_of_the_account(emu, api, hook_receiver, setting, status, condition):
    emu.client.update_settings(eventhook_unknown_condition=setting)
    r = api.post("/hooks/eventhook", json={"url": hook_receiver.url, "event": "receiver",
                                           "condition": condition, "verify": hook_receiver.verify})
    assert r.status_code == status
    assert hook_receiver.checks == [] and emu.client.webhook_registrations() == []


def test_an_empty_condition_means_every_group(emu, register):
    register(condition="")
    assert emu.client.webhook_registrations()[0]["condition"] == ""


def test_registration_needs_a_valid_token(emu, hook_receiver):
    r = requests.post(emu.url + "/hooks/eventhook", json={"url": hook_receiver.url, "event": "receiver",
                                                          "condition": "1001", "verify": hook_receiver.verify})
    assert r.status_code == 401
    assert hook_receiver.checks == []


@pytest.mark.parametrize("setting, bare, versioned", [
    ("unversioned", 200, 404), ("v3", 404, 200), ("both", 200, 200)])
def test_eventhook_path_decides_which_path_answers(emu, api, hook_receiver, setting, bare, versioned):
    emu.client.update_settings(eventhook_path=setting)
    body = {"url": hook_receiver.url, "event": "receiver", "condition": "1001", "verify": hook_receiver.verify}
    assert api.post("/hooks/eventhook", json=body).status_code == bare
    assert api.post("/v3/hooks/eventhook", json=body).status_code == versioned
    assert api.get("/hooks/eventhook").status_code == bare
    assert api.get("/v3/hooks/eventhook").status_code == versioned
    assert api.delete("/hooks/eventhook/receiver").status_code == bare
    assert api.delete("/v3/hooks/eventhook/receiver").status_code == versioned


def test_the_list_shows_the_account_s_registrations_without_secrets(api, globex, register, hook_receiver):
    register(event="receiver", condition="1001")
    register(event="receiver.unsubscribed", condition="1002")
    register(event="receiver", condition="2001", session=globex)
    listed = api.get("/hooks/eventhook").json()
    assert listed == [{"url": hook_receiver.url, "event": "receiver", "condition": "1001"},
                      {"url": hook_receiver.url, "event": "receiver.unsubscribed", "condition": "1002"}]
    assert globex.get("/hooks/eventhook").json() == [
        {"url": hook_receiver.url, "event": "receiver", "condition": "2001"}]


def test_registering_the_same_hook_again_replaces_it(emu, api, register):
    first = register()
    second = register()
    regs = emu.client.webhook_registrations()
    assert len(regs) == 1 and regs[0]["call_token"] == second["call_token"] != first["call_token"]


def test_delete_without_condition_removes_every_registration_of_the_event(emu, api, globex, register):
    register(event="receiver", condition="1001")
    register(event="receiver", condition="1002")
    register(event="receiver.unsubscribed", condition="1001")
    register(event="form", condition="1001")
    register(event="receiver", condition="2001", session=globex)
    assert api.delete("/hooks/eventhook/receiver").json() is True
    assert [x["event"] for x in api.get("/hooks/eventhook").json()] == ["form"]
    assert len(globex.get("/hooks/eventhook").json()) == 1  # another account's stays


def test_delete_with_condition_removes_only_that_group_s(api, register):
    register(event="receiver", condition="1001")
    register(event="receiver", condition="1002")
    assert api.delete("/hooks/eventhook/receiver", params={"condition": "1002"}).json() is True
    assert [x["condition"] for x in api.get("/hooks/eventhook").json()] == ["1001"]


def test_delete_of_one_event_keeps_the_family_registration(api, register):
    register(event="receiver", condition="1001")
    register(event="receiver.unsubscribed", condition="1001")
    api.delete("/hooks/eventhook/receiver.unsubscribed")
    assert [x["event"] for x in api.get("/hooks/eventhook").json()] == ["receiver"]


@pytest.mark.parametrize("setting, first, again", [
    ("true", (200, True), (200, True)),
    ("count", (200, {"success": True, "deleted": 2}), (200, {"success": True, "deleted": 0})),
    ("404_if_none", (200, True), (404, None)),
])
def test_delete_answers_per_setting(emu, api, register, setting, first, again):
    emu.client.update_settings(eventhook_delete_response=setting)
    register(condition="1001")
    register(condition="1002")
    for expected in (first, again):
        r = api.delete("/hooks/eventhook/receiver")
        assert r.status_code == expected[0]
        if expected[1] is not None:
            assert r.json() == expected[1]


def test_hook_requests_are_logged_like_api_requests(emu, api, register):
    register()
    api.get("/hooks/eventhook")
    routes = [(e["method"], e["route"], e["status"]) for e in emu.client.requests("acme")]
    assert ("POST", "/hooks/eventhook", 200) in routes and ("GET", "/hooks/eventhook", 200) in routes


def test_the_request_that_causes_an_event_does_not_wait_for_the_delivery(emu, api, register, hook_receiver):
    register()
    hook_receiver.delay = 1.5
    started = time.monotonic()
    r = api.put("/v3/groups/1001/receivers/grace@example.com/deactivate")
    assert r.status_code == 200 and time.monotonic() - started < 1.0
    assert emu.client.webhooks()["idle"] is False
    emu.client.wait_webhooks(10)
    assert [b["event"] for b in hook_receiver.bodies()] == ["receiver.unsubscribed"]


def test_wait_reports_not_idle_when_the_time_runs_out(emu, api, register, hook_receiver):
    from cleverreach_emulator import EmulatorControlError
    register()
    hook_receiver.delay = 1.0
    emu.client.unsubscribe("acme", "grace@example.com", "1001")
    with pytest.raises(EmulatorControlError) as caught:
        emu.client.wait_webhooks(0.1)
    assert caught.value.status == 504
    assert emu.client.wait_webhooks(10)["idle"] is True


def test_deliveries_log_filters_and_clears(emu, api, register):
    register()
    emu.client.unsubscribe("acme", "grace@example.com", "1001")
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com"}])
    emu.client.wait_webhooks(10)
    log = emu.client.webhook_deliveries()
    assert [e["event"] for e in log] == ["receiver.unsubscribed", "receiver.created"]
    entry = log[0]
    assert entry["status"] == 200 and entry["ok"] and entry["final"] and entry["attempt"] == 1
    assert entry["client_id"] == "acme" and entry["condition"] == "1001" and entry["group_id"] == "1001"
    assert isinstance(entry["time"], float) and entry["error"] is None
    assert [e["event"] for e in emu.client.webhook_deliveries(since_seq=entry["seq"])] == ["receiver.created"]
    assert len(emu.client.webhook_deliveries(event="receiver.created")) == 1
    assert emu.client.webhook_deliveries(client_id="globex") == []
    emu.client.clear_webhook_deliveries()
    assert emu.client.webhook_deliveries() == []
    assert len(emu.client.webhook_registrations()) == 1  # clearing the log keeps the hooks


def test_clearing_and_reset_drop_registrations_and_queue(emu, api, seed, register, hook_receiver):
    register()
    hook_receiver.delay = 0.3
    emu.client.unsubscribe_many("acme", "1001", count=4)
    assert emu.client.clear_webhooks() == 1
    status = emu.client.webhooks()
    assert status["registrations"] == [] and status["pending"] <= 1  # at most the one in flight
    emu.client.wait_webhooks(10)
    assert emu.client.webhook_deliveries() == []  # the one in flight is forgotten, the rest never sent
    assert len(hook_receiver.calls) <= 1
    register()
    emu.client.unsubscribe("acme", "ada@example.com", "1001")
    emu.client.reset(seed)
    emu.client.wait_webhooks(10)
    assert emu.client.webhook_registrations() == [] and emu.client.webhook_deliveries() == []


def test_confirm_and_unsubscribe_many_control_routes(emu, api, register):
    emu.client.signup("acme", "1001", "doi@example.com", doi=True)
    assert emu.client.confirm("acme", "1001", "doi@example.com")["active"] is True
    ids = emu.client.unsubscribe_many("acme", "1001", count=2)
    assert len(ids) == 2 and ids == sorted(ids, key=int)
    again = emu.client.unsubscribe_many("acme", "1001", count=2)
    assert set(again).isdisjoint(ids)  # only active ones are taken
    r = requests.post(emu.url + "/_emulator/accounts/acme/groups/1001/unsubscribe-many",
                      json={"receiver_ids": ["nope"]})
    assert r.status_code == 404
    r = requests.post(emu.url + "/_emulator/accounts/acme/confirm", json={"group_id": "1001"})
    assert r.status_code == 400


def test_two_receivers_each_get_their_own_token(emu, api, register, make_hook_receiver):
    other = make_hook_receiver("second-verify-token")
    a = register(event="receiver")
    b = register(event="receiver", receiver=other)
    emu.client.unsubscribe("acme", "grace@example.com", "1001")
    emu.client.wait_webhooks(10)
    regs = {x["url"]: x for x in emu.client.webhook_registrations()}
    assert regs[other.url]["call_token"] == b["call_token"] != a["call_token"]
    assert [c["headers"]["X-CR-Calltoken"] for c in other.calls] == [b["call_token"]]


def test_the_command_line_reads_the_float_settings():
    from cleverreach_emulator.__main__ import _setting_value
    assert _setting_value("webhook_timeout", "0.5") == 0.5
    assert _setting_value("webhook_retries", "3") == 3
    assert _setting_value("webhook_order", "shuffled") == "shuffled"
