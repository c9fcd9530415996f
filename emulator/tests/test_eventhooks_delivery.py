"""Event-hook deliveries to a real local HTTP receiver: which change fires what, and every delivery
setting (token placement, payload shape, id type, e-mail form, retries, duplicates, order, timeout)."""

import time

import pytest

from cleverreach_emulator.webhook_delivery import decrypt_email


def grace_id(api, receiver_id):
    return receiver_id(api, "grace@example.com")


def unsubscribe_grace(emu):
    emu.client.unsubscribe("acme", "grace@example.com", "1001")
    emu.client.wait_webhooks(10)


# ------------------------------------------------------------------ token placement


def test_default_delivery_core_shape_ints_plain_email_token_in_header(emu, api, register, hook_receiver,
                                                                       receiver_id):
    answer = register()
    unsubscribe_grace(emu)
    [call] = hook_receiver.calls
    assert call["path"] == "/cleverreach/hook" and call["query"] == {}
    assert call["headers"]["X-CR-Calltoken"] == answer["call_token"]
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["body"] == {"event": "receiver.unsubscribed", "condition": "1001",
                            "payload": {"pool_id": int(grace_id(api, receiver_id)), "group_id": 1001,
                                        "email": "grace@example.com"}}


def test_token_in_query(emu, register, hook_receiver):
    emu.client.update_settings(webhook_token_in="query")
    answer = register()
    unsubscribe_grace(emu)
    [call] = hook_receiver.calls
    assert call["query"] == {"call_token": [answer["call_token"]]}
    assert "X-CR-Calltoken" not in call["headers"] and "call_token" not in call["body"]


def test_token_in_body(emu, register, hook_receiver):
    emu.client.update_settings(webhook_token_in="body")
    answer = register()
    unsubscribe_grace(emu)
    [call] = hook_receiver.calls
    assert call["body"]["call_token"] == answer["call_token"]
    assert "X-CR-Calltoken" not in call["headers"] and call["query"] == {}


# ------------------------------------------------------------------ payload


def test_minimal_shape(emu, api, register, hook_receiver, receiver_id):
    emu.client.update_settings(webhook_payload_shape="minimal")
    register()
    unsubscribe_grace(emu)
    assert hook_receiver.bodies() == [{"event": "receiver.unsubscribed", "condition": "1001",
                                       "payload": {"pool_id": int(grace_id(api, receiver_id))}}]


def test_flat_shape_with_string_ids(emu, api, register, hook_receiver, receiver_id):
    emu.client.update_settings(webhook_payload_shape="flat", webhook_id_type="string")
    register()
    unsubscribe_grace(emu)
    assert hook_receiver.bodies() == [{"event": "receiver.unsubscribed", "condition": "1001",
                                       "pool_id": grace_id(api, receiver_id), "group_id": "1001",
                                       "email": "grace@example.com"}]


def test_core_shape_with_string_ids(emu, api, register, hook_receiver, receiver_id):
    emu.client.update_settings(webhook_id_type="string")
    register()
    unsubscribe_grace(emu)
    payload = hook_receiver.bodies()[0]["payload"]
    assert payload["pool_id"] == grace_id(api, receiver_id) and payload["group_id"] == "1001"


def test_encrypted_email_is_opaque_and_made_with_the_registration_s_secret(emu, register, hook_receiver):
    emu.client.update_settings(webhook_email="encrypted")
    answer = register()
    unsubscribe_grace(emu)
    value = hook_receiver.bodies()[0]["payload"]["email"]
    assert "grace" not in value and "@" not in value
    assert decrypt_email(value, answer["secret"]) == "grace@example.com"
    assert decrypt_email(value, "0" * 32) != "grace@example.com"


def test_absent_email(emu, register, hook_receiver):
    emu.client.update_settings(webhook_email="absent")
    register()
    unsubscribe_grace(emu)
    assert set(hook_receiver.bodies()[0]["payload"]) == {"pool_id", "group_id"}


def test_an_empty_condition_delivers_the_receiver_s_group(emu, register, hook_receiver):
    register(condition="")
    emu.client.unsubscribe("acme", "ada@example.com", "1002")
    emu.client.wait_webhooks(10)
    assert [(b["condition"], b["payload"]["group_id"]) for b in hook_receiver.bodies()] == [("1002", 1002)]


# ------------------------------------------------------------------ retries, timeout, duplicates


def test_retries_after_500_until_success(emu, register, hook_receiver):
    emu.client.update_settings(webhook_retries=3, webhook_retry_delay=0.01)
    register()
    hook_receiver.fail_next = 2
    unsubscribe_grace(emu)
    log = emu.client.webhook_deliveries()
    assert [(e["attempt"], e["status"], e["ok"], e["final"]) for e in log] == [
        (1, 500, False, False), (2, 500, False, False), (3, 200, True, True)]
    assert len({e["delivery_id"] for e in log}) == 1
    assert len(hook_receiver.calls) == 3
    assert hook_receiver.calls[0]["body"] == hook_receiver.calls[2]["body"]


def test_retries_give_up_after_n(emu, register, hook_receiver):
    emu.client.update_settings(webhook_retries=3, webhook_retry_delay=0.01)
    register()
    hook_receiver.fail_next = 10
    unsubscribe_grace(emu)
    log = emu.client.webhook_deliveries()
    assert [e["attempt"] for e in log] == [1, 2, 3, 4] and log[-1]["final"] and not log[-1]["ok"]


def test_no_retry_by_default(emu, register, hook_receiver):
    register()
    hook_receiver.fail_next = 1
    unsubscribe_grace(emu)
    assert [(e["attempt"], e["status"], e["final"]) for e in emu.client.webhook_deliveries()] == [(1, 500, True)]


def test_a_slow_receiver_times_out_and_is_retried(emu, register, hook_receiver):
    emu.client.update_settings(webhook_timeout=0.2, webhook_retries=1, webhook_retry_delay=0.01)
    register()
    hook_receiver.delay = 0.6
    unsubscribe_grace(emu)
    log = emu.client.webhook_deliveries()
    assert [(e["status"], e["error"]) for e in log] == [(None, "timeout"), (None, "timeout")]


def test_a_receiver_gone_is_a_connection_error(emu, register, hook_receiver):
    register()
    hook_receiver.close()
    unsubscribe_grace(emu)
    [entry] = emu.client.webhook_deliveries()
    assert entry["status"] is None and entry["error"].startswith("connection error")


def test_duplicates_deliver_every_event_again(emu, register, hook_receiver):
    emu.client.update_settings(webhook_duplicates=1)
    register()
    emu.client.unsubscribe_many("acme", "1001", count=2)
    emu.client.wait_webhooks(10)
    bodies = hook_receiver.bodies()
    assert len(bodies) == 4 and bodies[0] == bodies[1] and bodies[2] == bodies[3] != bodies[0]
    assert [e["copy"] for e in emu.client.webhook_deliveries()] == [0, 1, 0, 1]


# ------------------------------------------------------------------ order and the burst


def _unsubscribe_twenty(emu, api):
    rows = [{"email": f"burst{n}@example.com"} for n in range(20)]
    api.post("/v3/groups/1001/receivers/insert", json=rows)
    emu.client.wait_webhooks(10)
    emu.client.clear_webhook_deliveries()
    ids = emu.client.unsubscribe_many("acme", "1001", receiver_ids=[
        api.get(f"/v3/groups/1001/receivers/burst{n}@example.com").json()["id"] for n in range(20)])
    emu.client.wait_webhooks(10)
    return ids, [str(e["pool_id"]) for e in emu.client.webhook_deliveries()]


def test_in_order_delivers_in_the_order_of_the_changes(emu, api, register):
    register(event="receiver.unsubscribed")
    ids, delivered = _unsubscribe_twenty(emu, api)
    assert delivered == ids


def test_shuffled_delivers_all_in_another_order_repeatably(emu, api, seed, register, token_for, make_api):
    emu.client.update_settings(webhook_order="shuffled")
    register(event="receiver.unsubscribed")
    ids, first = _unsubscribe_twenty(emu, api)
    assert sorted(first) == sorted(ids) and first != ids
    emu.client.reset(seed)  # ids are given out again from the same start, the order's seed too
    emu.client.update_settings(webhook_order="shuffled")
    api = make_api(token_for())
    register(event="receiver.unsubscribed", session=api)
    ids_again, second = _unsubscribe_twenty(emu, api)
    assert ids_again == ids and second == first


def test_a_burst_of_1000_unsubscribes_is_delivered_completely(emu, api, register, hook_receiver):
    emu.client.generate_receivers("acme", "1001", 1000, email_pattern="many{n}@example.com")
    register(event="receiver.unsubscribed")
    started = time.monotonic()
    ids = emu.client.unsubscribe_many("acme", "1001", count=1000)
    assert time.monotonic() - started < 5  # queued, not delivered inside the request
    emu.client.wait_webhooks(120)
    assert len(ids) == 1000
    bodies = hook_receiver.bodies()
    assert len(bodies) == 1000
    assert sorted(str(b["payload"]["pool_id"]) for b in bodies) == sorted(ids)
    log = emu.client.webhook_deliveries()
    assert len(log) == 1000 and all(e["ok"] for e in log)


# ------------------------------------------------------------------ which change fires what


def events(emu, hook_receiver):
    emu.client.wait_webhooks(10)
    out = [(b["event"], str(b["payload"]["pool_id"])) for b in hook_receiver.bodies()]
    hook_receiver.calls.clear()
    return out


def test_api_changes_fire_created_updated_unsubscribed_subscribed_deleted(emu, api, register, hook_receiver,
                                                                          receiver_id):
    register()
    new = api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com"}]).json()[0]["id"]
    assert events(emu, hook_receiver) == [("receiver.created", new)]
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "new@example.com", "global_attributes": {"firstname": "N"}}])
    assert events(emu, hook_receiver) == [("receiver.updated", new)]
    api.put(f"/v3/groups/1001/receivers/{new}/deactivate")
    assert events(emu, hook_receiver) == [("receiver.unsubscribed", new)]
    api.put(f"/v3/groups/1001/receivers/{new}/deactivate")  # no change: nothing
    assert events(emu, hook_receiver) == []
    api.put(f"/v3/groups/1001/receivers/{new}/activate")
    assert events(emu, hook_receiver) == [("receiver.subscribed", new)]
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com", "activated": 0}])
    assert events(emu, hook_receiver) == [("receiver.unsubscribed", new)]
    api.delete(f"/v3/groups/1001/receivers/{new}")
    assert events(emu, hook_receiver) == [("receiver.deleted", new)]
    dora = receiver_id(api, "dora@example.com")
    api.post("/v3/groups/1001/receivers/delete", json=[{"id": dora}])
    assert events(emu, hook_receiver) == [("receiver.deleted", dora)]


def test_user_side_changes_fire_events(emu, api, register, hook_receiver, receiver_id):
    register()
    made = emu.client.signup("acme", "1001", "doi@example.com", doi=True)
    assert events(emu, hook_receiver) == [("receiver.created", made["id"])]
    emu.client.confirm("acme", "1001", "doi@example.com")
    assert events(emu, hook_receiver) == [("receiver.subscribed", made["id"])]
    emu.client.unsubscribe("acme", "doi@example.com", "1001")
    assert events(emu, hook_receiver) == [("receiver.unsubscribed", made["id"])]
    emu.client.signup("acme", "1001", "doi@example.com")  # signs up again, no double opt-in
    assert events(emu, hook_receiver) == [("receiver.subscribed", made["id"])]


@pytest.mark.parametrize("setting, expected", [
    ("none", []), ("receiver.unsubscribed", ["receiver.unsubscribed"]),
    ("receiver.updated", ["receiver.updated"])])
def test_a_bounce_fires_per_setting(emu, api, register, hook_receiver, setting, expected):
    emu.client.update_settings(webhook_bounce_event=setting)
    register()
    emu.client.bounce("acme", "grace@example.com", "1001")
    assert [e for e, _ in events(emu, hook_receiver)] == expected


@pytest.mark.parametrize("setting, expected", [
    ("created", ["receiver.created"]), ("created_subscribed", ["receiver.created", "receiver.subscribed"])])
def test_a_receiver_created_active_fires_per_setting(emu, api, register, hook_receiver, setting, expected):
    emu.client.update_settings(webhook_new_active=setting)
    register()
    api.post("/v3/groups/1001/receivers/insert", json=[{"email": "new@example.com"}])
    assert [e for e, _ in events(emu, hook_receiver)] == expected
    api.post("/v3/groups/1001/receivers/insert", json=[{"email": "pending@example.com", "activated": 0}])
    assert [e for e, _ in events(emu, hook_receiver)] == ["receiver.created"]


def test_silent_api_changes_fire_only_the_person_s_own(emu, api, register, hook_receiver):
    emu.client.update_settings(webhook_api_changes="silent")
    register()
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com"}])
    api.put("/v3/groups/1001/receivers/grace@example.com/deactivate")
    emu.client.unsubscribe("acme", "ada@example.com", "1001")
    assert [e for e, _ in events(emu, hook_receiver)] == ["receiver.unsubscribed"]


def test_registrations_match_by_event_family_condition_and_account(emu, api, globex, register, hook_receiver,
                                                                   make_hook_receiver):
    family = hook_receiver
    only_unsub = make_hook_receiver("only-unsub-token")
    other_group = make_hook_receiver("other-group-token")
    other_account = make_hook_receiver("other-account-token")
    register(event="receiver", condition="1001")
    register(event="receiver.unsubscribed", condition="1001", receiver=only_unsub)
    register(event="receiver", condition="1002", receiver=other_group)
    register(event="receiver", condition="2001", session=globex, receiver=other_account)
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com"}])
    emu.client.unsubscribe("acme", "grace@example.com", "1001")
    emu.client.wait_webhooks(10)
    assert [b["event"] for b in family.bodies()] == ["receiver.created", "receiver.unsubscribed"]
    assert [b["event"] for b in only_unsub.bodies()] == ["receiver.unsubscribed"]
    assert other_group.bodies() == [] and other_account.bodies() == []
    emu.client.unsubscribe("acme", "ada@example.com")  # both groups of ada
    emu.client.wait_webhooks(10)
    assert [b["condition"] for b in other_group.bodies()] == ["1002"]


def test_opens_clicks_and_sends_fire_nothing(emu, api, register, hook_receiver):
    register()
    emu.client.send_mailing("acme", ["1001"], name="m", opens=["ada@example.com"],
                            clicks=["ada@example.com"])
    assert events(emu, hook_receiver) == []


def test_nothing_is_tracked_without_a_registration(emu, api):
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com"}])
    emu.client.unsubscribe("acme", "grace@example.com", "1001")
    assert emu.state._hook_dirty == {}
    assert all(r.hook_seen is None for r in emu.state.receivers.values())
    assert emu.client.webhooks()["attempts"] == 0


def test_clearing_a_group_deletes_every_receiver_and_a_mailing_s_unsubscribe_fires(emu, api, register,
                                                                                   hook_receiver):
    register(condition="1002")
    emu.client.send_mailing("acme", ["1002"], name="m", unsubscribes=["ada@example.com"])
    assert [e for e, _ in events(emu, hook_receiver)] == ["receiver.unsubscribed"]
    assert api.delete("/v3/groups/1002/clear").status_code == 200
    assert [e for e, _ in events(emu, hook_receiver)] == ["receiver.deleted"]
