"""The public endpoint through real HTTP (uvicorn on a loopback port, the app mounted under its prefix as Airflow
mounts it): verification, tokens, replays, groups and receivers that are not ours, size limits, a burst."""

from __future__ import annotations

import json
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from helpers.webhook_server import WebhookServer
from sqlalchemy import text

from cleverreach.clock import as_utc
from cleverreach.ui.plugin import CleverReachUiPlugin
from cleverreach.webhooks.app import URL_PREFIX
from cleverreach.webhooks.events import MAX_BODY_BYTES, SUBSCRIBED, UNSUBSCRIBED

from .conftest import GROUP, TOKEN, receiver_of, seed  # noqa: TID252

ROUTE = f"/acme/{UNSUBSCRIBED}/41"


@pytest.fixture
def server(seeded):
    with WebhookServer(seeded.engine) as running:
        yield running


def post(server, route: str = ROUTE, *, contact: int = 1, token: str | None = TOKEN, group: str = GROUP,
         event: str = UNSUBSCRIBED, session=requests, **extra) -> requests.Response:
    body = {"event": event, "condition": group, "payload": {"pool_id": receiver_of(contact), "email": "enc:AbC=="}, **extra}
    headers = {"X-CR-Calltoken": token} if token else {}
    return session.post(server.url + route, json=body, headers=headers, timeout=30)


def test_the_plugin_mounts_the_public_app():
    apps = {app["url_prefix"]: app for app in CleverReachUiPlugin.fastapi_apps}
    assert URL_PREFIX in apps and "/cleverreach" in apps
    assert not apps[URL_PREFIX]["app"].user_middleware  # no login or CSRF guard: the call token guards it


def test_the_verification_get(server, seeded):
    answer = requests.get(server.url + ROUTE, params={"secret": "S3cr3t"}, timeout=10)
    assert (answer.status_code, answer.text) == (200, "verify-value-0123456789 S3cr3t")
    assert answer.headers["content-type"].startswith("text/plain")
    assert requests.get(server.url + "/acme/receiver.unsubscribed/99", params={"secret": "S"}, timeout=10).status_code == 404
    assert requests.get(server.url + ROUTE, timeout=10).status_code == 422  # no secret
    seeded.store.remove("acme", "41", UNSUBSCRIBED)
    assert requests.get(server.url + ROUTE, params={"secret": "S"}, timeout=10).status_code == 404


def test_bad_and_missing_tokens_record_nothing(server, seeded):
    assert post(server, token=None).status_code == 401
    assert post(server, token="x" * 64).status_code == 403
    assert requests.post(server.url + ROUTE, params={"call_token": "y" * 64}, json={"event": UNSUBSCRIBED}, timeout=10).status_code == 403
    assert seeded.events() == [] and seeded.state(1) == ("synced", None)


def test_a_replay_is_recorded_once_and_applied_once(server, seeded):
    first = post(server)
    assert (first.status_code, first.json()) == (200, {"outcome": "applied", "replay": False})
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE recipient_list_member SET sync_error = 'after' WHERE contact_person_id = 1"))
    for _ in range(3):
        again = post(server)
        assert (again.status_code, again.json()) == (200, {"outcome": "applied", "replay": True})
    assert len(seeded.events()) == 1 and seeded.state(1) == ("unsubscribed", "after")


def test_unknown_groups_receivers_not_ours_and_a_subscribe_on_an_unsubscribed_member(server, seeded):
    assert post(server, group="2002").json()["outcome"] == "unknown_group"
    assert post(server, contact=99).json()["outcome"] == "not_ours"
    kept = post(server, f"/acme/{SUBSCRIBED}/41", contact=3, event=SUBSCRIBED)
    assert (kept.status_code, kept.json()["outcome"]) == (200, "kept") and seeded.state(3)[0] == "unsubscribed"
    confirmed = post(server, f"/acme/{SUBSCRIBED}/41", contact=2, event=SUBSCRIBED)
    assert confirmed.json()["outcome"] == "applied" and seeded.state(2)[0] == "synced"
    assert [e["outcome"] for e in seeded.events()] == ["unknown_group", "not_ours", "kept", "applied"]


def test_size_limit_and_malformed_bodies(server, seeded):
    headers = {"X-CR-Calltoken": TOKEN, "Content-Type": "application/json"}
    big = json.dumps({"event": UNSUBSCRIBED, "pad": "x" * MAX_BODY_BYTES}).encode()
    assert requests.post(server.url + ROUTE, data=big, headers=headers, timeout=10).status_code == 413

    def chunked():
        yield b'{"event": "receiver.unsubscribed", "pad": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    assert requests.post(server.url + ROUTE, data=chunked(), headers=headers, timeout=10).status_code == 413  # no length
    assert requests.post(server.url + ROUTE, data=b"{not json", headers=headers, timeout=10).status_code == 400
    assert requests.post(server.url + ROUTE, data=b"[1]", headers=headers, timeout=10).status_code == 400
    assert seeded.events() == []


@pytest.fixture
def burst_seeded(crm_engine):
    return seed(crm_engine, {c: "synced" for c in range(1, 1001)})


def test_a_burst_of_1000_events_is_recorded_and_applied_each_within_a_minute(burst_seeded, capsys):
    with WebhookServer(burst_seeded.engine) as server, requests.Session() as session:
        wall, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)

        def send(contact: int) -> tuple[int, str]:
            answer = post(server, contact=contact, session=session)
            return answer.status_code, answer.json()["outcome"]

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(1, 1001)))
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    assert answers == [(200, "applied")] * 1000
    events = burst_seeded.events()
    assert len(events) == 1000 and {e["outcome"] for e in events} == {"applied"}
    assert all(as_utc(e["applied_at"]) - as_utc(e["received_at"]) < timedelta(minutes=1) for e in events)
    with burst_seeded.engine.connect() as conn:
        states = dict(conn.execute(text("SELECT sync_state, count(*) FROM recipient_list_member GROUP BY sync_state")).all())
    assert states == {"unsubscribed": 1000}
    with capsys.disabled():
        print(f"\n[burst {burst_seeded.engine.dialect.name}] 1000 events: wall {wall:.2f} s, "
              f"CPU (server and client, this process) {cpu:.2f} s, {1000 / wall:.0f} events/s")


def test_concurrent_duplicates_are_recorded_once(server, seeded):
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: post(server, contact=6), range(20)))
    assert {a.status_code for a in answers} == {200}
    assert sum(not a.json()["replay"] for a in answers) >= 1
    (row,) = seeded.events()
    assert row["outcome"] == "applied" and seeded.state(6) == ("unsubscribed", "unsubscribed in CleverReach (webhook)")
