"""The CLI, the server lifecycle, seed validation and in-process model checks."""

import json
import signal
import subprocess
import sys

import pytest
import requests

from cleverreach_emulator import EmulatorServer, EmulatorSettings, SeedError, State, load_seed
from cleverreach_emulator.state import is_valid_email


def test_cli_starts_answers_and_stops(tmp_path, seed):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleverreach_emulator", "--seed", str(path), "--host", "127.0.0.1",
         "--port", "0", "--batch-limit", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read()
        assert requests.get(url + "/v3/debug/ping.json", timeout=10).json() is True
        token = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                              data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
        r = requests.post(url + "/v3/groups/1001/receivers/upsert", params={"token": token},
                          json=[{"email": f"c{i}@example.com"} for i in range(6)], timeout=10)
        assert r.status_code == 413  # --batch-limit applied
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_server_lifecycle_and_settings():
    srv = EmulatorServer(settings={"batch_limit": 2})
    with srv:
        assert srv.running and srv.url.startswith("http://127.0.0.1:")
        assert srv.client.settings()["batch_limit"] == 2
        srv.client.reset({"settings": {"max_pagesize": 10}})
        s = srv.client.settings()
        assert (s["batch_limit"], s["max_pagesize"]) == (2, 10)  # base settings + seed settings
    assert not srv.running
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.url + "/_emulator/health", timeout=2)


@pytest.mark.parametrize("email, ok", [
    ("a@b.de", True), ("first.last+tag@sub.example.co.uk", True), ("jörg@müller.de", True),
    ("a@xn--mller-kva.de", True), ("", False), ("plain", False), ("a@@b.de", False), ("a@b", False),
    ("a b@c.de", False), ("@b.de", False), ("a@.de", False), ("a@b..de", False), ("a,b@c.de", False),
    (None, False), (42, False),
])
def test_email_validation(email, ok):
    assert is_valid_email(email) is ok


def test_seed_validation_errors(tmp_path):
    with pytest.raises(SeedError):
        load_seed({"accounts": [{"client_id": "a"}]})
    with pytest.raises(SeedError):
        load_seed({"bogus": 1})
    with pytest.raises(SeedError):
        load_seed({"settings": {"batch_limit": "x"}})
    with pytest.raises(SeedError):
        load_seed({"accounts": [{"client_id": "a", "client_secret": "b",
                                 "groups": [{"name": "g", "receivers": [{"email": "bad"}]}]}]})
    with pytest.raises(SeedError):
        State(None, {"accounts": [{"client_id": "a", "client_secret": "b",
                                   "groups": [{"name": "g", "receivers": [
                                       {"email": "x@y.de", "global_attributes": {"nope": 1}}]}]}]})
    with pytest.raises(SeedError):
        State(None, {"accounts": [{"client_id": "a", "client_secret": "b",
                                   "groups": [{"id": "1", "name": "g"}],
                                   "mailings": [{"state": "finished", "finished": 1, "group_ids": ["1"],
                                                 "recipients": [{"email": "who@x.de"}]}]}]})
    path = tmp_path / "s.json"
    path.write_text("{not json")
    with pytest.raises(SeedError):
        load_seed(str(path))
    path.write_text(json.dumps({"accounts": [{"client_id": "a", "client_secret": "b"}]}))
    assert load_seed(path)["accounts"][0]["client_id"] == "a"


def test_settings_validation():
    assert EmulatorSettings().updated({"batch_limit": 5}).batch_limit == 5
    for bad in ({"batch_limit": -1}, {"batch_limit": 0}, {"nope": 1}, {"report_pagesize_policy": "x"},
                {"client_credentials_refresh_token": 1}):
        with pytest.raises(ValueError):
            EmulatorSettings().updated(bad)


def test_fast_serializer_matches_dict_renderer(seed):
    st = State(None, seed)
    acc = st.accounts["acme"]
    st.bulk_write(acc, "1001", [{"email": 'q"uote@example.com', "global_attributes": {"ext_id": "ü\n\"x"},
                                 "tags": ["A.B"], "orders": [{"order_id": "1", "product_id": "p"}]}], "upsert")
    for gid in ("1001", "1002"):
        for detail in (0, 1, 2, 4, 7):
            raw = st.list_receivers(acc, gid, 0, 100, detail=detail, raw=True)
            assert json.loads(raw) == st.list_receivers(acc, gid, 0, 100, detail=detail)
    raw = st.report_receivers(acc, "5001", "sent", detail=1, raw=True)
    assert json.loads(raw) == st.report_receivers(acc, "5001", "sent", detail=1)


def test_paging_snapshot_invalidated_by_writes(seed):
    st = State(None, seed)
    acc = st.accounts["acme"]
    first = st.list_receivers(acc, "1001", 0, 100, type_="active")
    st.bulk_write(acc, "1001", [{"email": "snap@example.com"}], "upsert")
    second = st.list_receivers(acc, "1001", 0, 100, type_="active")
    assert len(second) == len(first) + 1
    st.set_active(acc, "1001", "snap@example.com", False)
    assert len(st.list_receivers(acc, "1001", 0, 100, type_="active")) == len(first)
