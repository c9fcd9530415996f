"""Fault injection, request log and counters (control API)."""

import hashlib
import time

import requests


def test_rate_limit_429_with_retry_after(emu, api):
    emu.client.set_faults(rate_limit_rate=1.0, retry_after=7)
    r = api.get("/v3/groups")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert r.json() == {"error": {"code": 429, "message": "Too Many Requests"}}
    # control API and (by default) oauth are never faulted
    assert emu.client.health()["ok"] is True
    assert emu.client.token("acme", "acme-secret")
    emu.client.clear_faults()
    assert api.get("/v3/groups").status_code == 200


def test_random_5xx_is_seeded_and_restricted(emu, api):
    emu.client.set_faults(error_rate=0.5, error_statuses=[500, 502, 503], seed=42,
                          path_regex=r"/receivers", methods=["GET"])
    statuses = [api.get("/v3/groups/1001/receivers").status_code for _ in range(40)]
    assert set(statuses) - {200} <= {500, 502, 503}
    assert 5 < statuses.count(200) < 35
    # same seed -> same sequence
    emu.client.set_faults(error_rate=0.5, error_statuses=[500, 502, 503], seed=42,
                          path_regex=r"/receivers", methods=["GET"])
    again = [api.get("/v3/groups/1001/receivers").status_code for _ in range(40)]
    assert again == statuses
    # other paths and methods untouched
    assert all(api.get("/v3/groups").status_code == 200 for _ in range(10))
    assert api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "z@example.com"}]).status_code == 200
    bad = api.get("/v3/groups/1001/receivers")
    while bad.status_code == 200:
        bad = api.get("/v3/groups/1001/receivers")
    assert bad.json()["error"]["code"] == bad.status_code


def test_html_error_page(emu, api):
    emu.client.set_faults(html_error_rate=1.0, error_statuses=[502])
    r = api.get("/v3/groups")
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in r.text


def test_next_queue(emu, api):
    emu.client.set_faults(next=[
        {"status": 502, "count": 2, "path_regex": "upsert"},
        {"status": 429, "count": 1, "retry_after": 3},
        {"status": 503, "count": 1, "html": True, "path_regex": "^/v3/groups/1001$"},
    ])
    batch = [{"email": "q@example.com"}]
    assert api.get("/v3/groups/1001/stats").status_code == 429  # second entry matches any path
    r = api.post("/v3/groups/1001/receivers/upsert", json=batch)
    assert r.status_code == 502
    assert api.post("/v3/groups/1001/receivers/upsert", json=batch).status_code == 502
    assert api.get("/v3/groups/1001/receivers/q@example.com").status_code == 404  # faulted writes not applied
    assert api.post("/v3/groups/1001/receivers/upsert", json=batch).status_code == 200
    r = api.get("/v3/groups/1001")
    assert r.status_code == 503 and "text/html" in r.headers["content-type"]
    assert api.get("/v3/groups/1001").status_code == 200
    assert emu.client.faults()["next"] == []


def test_fault_after_applies_the_write(emu, api):
    emu.client.set_faults(next=[{"status": 504, "after": True, "path_regex": "upsert"}])
    r = api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "lost@example.com"}])
    assert r.status_code == 504
    # the response was lost but the write happened; a retry is an update
    r = api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "lost@example.com"}])
    assert r.json()[0]["status"] == "update success"


def test_401_mid_run_via_next(emu, api):
    emu.client.set_faults(next=[{"status": 401}])
    r = api.get("/v3/groups")
    assert r.status_code == 401 and r.json()["error"]["message"] == "Unauthorized"
    assert api.get("/v3/groups").status_code == 200


def test_latency(emu, api):
    emu.client.set_faults(latency_ms=150)
    t0 = time.monotonic()
    assert api.get("/v3/debug/validate").status_code == 200
    assert time.monotonic() - t0 >= 0.15


def test_oauth_faults_only_when_included(emu, url):
    emu.client.set_faults(error_rate=1.0, error_statuses=[503])
    assert emu.client.token("acme", "acme-secret")
    emu.client.set_faults(error_rate=1.0, error_statuses=[503], include_oauth=True)
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                      data={"grant_type": "client_credentials"})
    assert r.status_code == 503


def test_bad_fault_config_rejected(emu):
    import pytest
    from cleverreach_emulator import EmulatorControlError
    with pytest.raises(EmulatorControlError):
        emu.client.set_faults(error_rate=2)
    with pytest.raises(EmulatorControlError):
        emu.client.set_faults(bogus=1)


def test_request_log(emu, api, token_for):
    emu.client.clear_requests()
    token = api.token
    api.post("/v3/groups.json/1001/receivers/upsert.json",
             json=[{"email": "l1@example.com"}, {"email": "l2@example.com"}])
    requests.get(emu.url + "/v3/groups", params={"token": token, "page": 0})
    requests.get(emu.url + "/v3/groups")  # no token
    emu.client.set_faults(next=[{"status": 503}])
    api.get("/v3/groups/1001/stats")
    log = emu.client.requests()
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    up, q, anon, faulted = log
    assert up["method"] == "POST" and up["path"] == "/v3/groups/1001/receivers/upsert"
    assert up["items"] == 2 and up["status"] == 200
    assert up["client_id"] == "acme"
    assert up["token_fingerprint"] == hashlib.sha256(token.encode()).hexdigest()[:12]
    assert q["query"] == "token=***&page=0" and token not in str(log)
    assert q["items"] is None
    assert anon["client_id"] is None and anon["token_fingerprint"] is None and anon["status"] == 401
    assert faulted["status"] == 503 and faulted["client_id"] == "acme"
    assert {"seq", "time", "method", "path", "query", "client_id", "token_fingerprint", "status",
            "items"} <= set(up)
    assert [e["seq"] for e in emu.client.requests(since_seq=q["seq"])] == [anon["seq"], faulted["seq"]]
    token_for("globex", "globex-secret")
    assert [e["path"] for e in emu.client.requests(client_id="globex")] == ["/oauth/token.php"]


def test_counters(emu, api, globex):
    emu.client.clear_requests()
    for _ in range(3):
        api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "c@example.com"}])
    api.get("/v3/groups/1001/receivers/c@example.com")
    api.get("/v3/groups.json/1001/receivers.json/c@example.com")
    api.put("/v3/groups/1001/receivers/c@example.com/deactivate")
    globex.get("/v3/groups")
    emu.client.token("acme", "acme-secret")
    c = emu.client.counters()
    assert c["writes"] == 4 and c["reads"] == 3 and c["token_requests"] == 1
    assert c["by_endpoint"]["POST /v3/groups/{id}/receivers/upsert"] == 3
    assert c["by_endpoint"]["GET /v3/groups/{id}/receivers/{receiver}"] == 2
    assert c["by_endpoint"]["PUT /v3/groups/{id}/receivers/{receiver}/deactivate"] == 1
    acme = emu.client.counters("acme")
    assert (acme["reads"], acme["writes"], acme["token_requests"]) == (2, 4, 1)
    assert emu.client.counters("globex")["reads"] == 1
    emu.client.clear_requests()
    assert emu.client.counters()["writes"] == 0 and emu.client.requests() == []


def test_state_dump_and_settings(emu, api):
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "dump@example.com",
                                                       "global_attributes": {"ext_id": "X"}}])
    compact = emu.client.group_receivers("1001")
    d = [r for r in compact if r["email"] == "dump@example.com"][0]
    assert d["active"] is True and d["global_attributes"] == {"ext_id": "X"}
    ulla = [r for r in compact if r["email"] == "ulla@example.com"][0]
    assert ulla["unsubscribed"] is True
    st = emu.client.state()
    assert [a["client_id"] for a in st["accounts"]] == ["acme", "globex"]
    assert st["accounts"][0]["groups"][0]["receiver_count"] == 9
    assert emu.client.update_settings(batch_limit=10)["batch_limit"] == 10
    assert emu.client.settings()["batch_limit"] == 10
    import pytest
    from cleverreach_emulator import EmulatorControlError
    with pytest.raises(EmulatorControlError):
        emu.client.update_settings(no_such_setting=1)
    with pytest.raises(EmulatorControlError):
        emu.client.update_settings(report_pagesize_policy="maybe")


def test_reset_rejects_bad_seed(emu):
    import pytest
    from cleverreach_emulator import EmulatorControlError
    with pytest.raises(EmulatorControlError) as exc:
        emu.client.reset({"accounts": [{"client_id": "x"}]})
    assert exc.value.status == 400
