"""Fixtures: one emulator server per session, state reset to SEED before each test."""

from __future__ import annotations

import copy

import pytest
import requests

from cleverreach_emulator import EmulatorServer

T0 = 1700000000

SEED = {
    "settings": {"stats_cache_ttl": 0},
    "accounts": [
        {
            "client_id": "acme", "client_secret": "acme-secret", "account_id": "100001",
            "name": "ACME GmbH", "email": "admin@acme.example", "firstname": "Wile",
            "attributes": [
                {"name": "firstname", "type": "text", "description": "First name"},
                {"name": "lastname", "type": "text", "description": "Last name"},
                {"name": "ext_id", "type": "text", "description": "External ID"},
            ],
            "groups": [
                {"id": "1001", "name": "Newsletter", "stamp": T0, "receivers": [
                    {"email": "ada@example.com", "registered": T0, "source": "Formular",
                     "global_attributes": {"firstname": "Ada", "ext_id": "42"}, "tags": ["Shop.Customer"]},
                    {"email": "grace@example.com", "registered": T0 + 1},
                    {"email": "carl@example.com", "registered": T0 + 2},
                    {"email": "dora@example.com", "registered": T0 + 3},
                    {"email": "linus@example.com", "registered": T0 + 4, "deactivated": T0 + 100},
                    {"email": "ulla@example.com", "registered": T0 + 5, "deactivated": T0 + 200,
                     "unsubscribed": True},
                    {"email": "bert@example.com", "registered": T0 + 6, "bounced": T0 + 300},
                    {"email": "pete@example.com", "registered": T0 + 7, "activated": 0},
                ]},
                {"id": "1002", "name": "Customers", "stamp": T0,
                 "attributes": [{"name": "guideline", "type": "text"}],
                 "receivers": [{"email": "ada@example.com", "registered": T0,
                                "attributes": {"guideline": "Ja"}}]},
            ],
            "mailings": [
                {"id": "5001", "name": "November news", "subject": "News", "state": "finished",
                 "stamp": T0 + 1000, "started": T0 + 2000, "finished": T0 + 3000, "group_ids": ["1001"],
                 "links": [{"id": "1", "url": "https://acme.example/a"},
                           {"id": "2", "url": "https://acme.example/b"}],
                 "recipients": [
                     {"email": "ada@example.com", "opened": T0 + 4000,
                      "clicks": [{"link_id": "1", "stamp": T0 + 4100}, {"link_id": "2", "stamp": T0 + 4200}]},
                     {"email": "grace@example.com", "opened": T0 + 5000,
                      "clicks": [{"link_id": "2", "stamp": T0 + 5100}]},
                     {"email": "carl@example.com", "bounced": T0 + 2100},
                     {"email": "dora@example.com", "opened": T0 + 6000, "unsubscribed": T0 + 6100},
                 ]},
                {"id": "5002", "name": "Draft", "subject": "Soon", "state": "draft", "stamp": T0 + 7000,
                 "group_ids": ["1001"]},
                {"id": "5003", "name": "December", "subject": "More news", "state": "finished",
                 "stamp": T0 + 8000, "finished": T0 + 9000, "group_ids": ["1001"]},
            ],
        },
        {
            "client_id": "globex", "client_secret": "globex-secret", "account_id": "100002",
            "name": "Globex", "email": "admin@globex.example",
            "groups": [{"id": "2001", "name": "Globex list", "receivers": [{"email": "hank@globex.example"}]}],
        },
    ],
}


class Api:
    """requests session bound to one token."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.token = token
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kw):
        return self.s.get(self.url + path, **kw)

    def post(self, path, **kw):
        return self.s.post(self.url + path, **kw)

    def put(self, path, **kw):
        return self.s.put(self.url + path, **kw)

    def delete(self, path, **kw):
        return self.s.delete(self.url + path, **kw)


def get_token(url: str, client_id: str = "acme", secret: str = "acme-secret") -> str:
    r = requests.post(url + "/oauth/token.php", auth=(client_id, secret),
                      data={"grant_type": "client_credentials"})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="session")
def server():
    with EmulatorServer(seed=SEED) as srv:
        yield srv


@pytest.fixture
def seed():
    return copy.deepcopy(SEED)


@pytest.fixture
def emu(server):
    server.client.reset(copy.deepcopy(SEED))
    return server


@pytest.fixture
def url(emu):
    return emu.url


@pytest.fixture
def api(emu):
    return Api(emu.url, get_token(emu.url))


@pytest.fixture
def globex(emu):
    return Api(emu.url, get_token(emu.url, "globex", "globex-secret"))


def rid(api: Api, email: str, group: str = "1001") -> str:
    r = api.get(f"/v3/groups/{group}/receivers/{email}")
    assert r.status_code == 200, r.text
    return r.json()["id"]


@pytest.fixture
def token_for(emu):
    """token_for(client_id="acme", secret="acme-secret") -> access token."""
    return lambda client_id="acme", secret="acme-secret": get_token(emu.url, client_id, secret)


@pytest.fixture
def make_api(emu):
    """make_api(token) -> Api session."""
    return lambda token: Api(emu.url, token)


@pytest.fixture
def receiver_id():
    """receiver_id(api, email, group="1001") -> receiver id."""
    return rid


# ------------------------------------------------------------------ event hooks

class HookReceiver:
    """A real little HTTP server on loopback that plays the integration's webhook endpoint.

    ``verify`` is what it answers the verification call with (``"<verify> <secret>"``; ``wrong`` makes
    it answer something else); ``fail_next`` POSTs answer 500; ``delay`` seconds pass before each
    answer to a POST. Every POST is kept in ``calls`` as ``{"path", "query", "headers", "body"}``."""

    def __init__(self, verify: str = "verify-me-please"):
        import json as _json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlparse

        self.verify = verify
        self.wrong = False
        self.fail_next = 0
        self.delay = 0.0
        self.calls: list[dict] = []
        self.checks: list[str] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status: int, text: str = "") -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the emulator gave up waiting (a timeout test)
                    pass

            def do_GET(self):
                query = parse_qs(urlparse(self.path).query)
                secret = query.get("secret", [""])[0]
                with owner.lock:
                    owner.checks.append(secret)
                self._answer(200, "nope " + secret if owner.wrong else f"  {owner.verify} {secret}\n")

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parsed = urlparse(self.path)
                with owner.lock:
                    owner.calls.append({"path": parsed.path, "query": parse_qs(parsed.query),
                                        "headers": dict(self.headers), "body": _json.loads(raw)})
                    failing = owner.fail_next > 0
                    if failing:
                        owner.fail_next -= 1
                if owner.delay:
                    import time
                    time.sleep(owner.delay)
                self._answer(500 if failing else 200, "")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cleverreach/hook"

    def bodies(self) -> list[dict]:
        with self.lock:
            return [c["body"] for c in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook_receiver():
    receiver = HookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def register(api, hook_receiver):
    """register(event="receiver", condition="1001", api=api, receiver=hook_receiver, path=...) -> answer."""
    def _register(event="receiver", condition="1001", session=None, receiver=None,
                  path="/hooks/eventhook"):
        receiver = receiver or hook_receiver
        r = (session or api).post(path, json={"url": receiver.url, "event": event, "condition": condition,
                                              "verify": receiver.verify})
        assert r.status_code == 200, r.text
        return r.json()
    return _register


@pytest.fixture
def make_hook_receiver():
    """make_hook_receiver(verify="...") -> another HookReceiver, closed after the test."""
    made: list[HookReceiver] = []

    def _make(verify: str = "verify-me-please") -> HookReceiver:
        made.append(HookReceiver(verify))
        return made[-1]
    yield _make
    for receiver in made:
        receiver.close()
