"""The hook's eventhook calls against the emulator's event hooks: the unversioned path first, ``/v3`` after a 404,
the path that answered kept; a removal always names its group. The emulator's request log shows the paths called,
its control API the registrations (tokens included)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from cleverreach.exceptions import CleverReachValidationError
from cleverreach.hooks.eventhooks import Eventhook

from .conftest import seed  # noqa: TID252

VERIFY = "our-verify-value-42"


@pytest.fixture
def target():
    """The URL CleverReach verifies: answers ``"<VERIFY> <secret>"`` (or a wrong value at ``/wrong``)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            secret = parse_qs(parts.query).get("secret", [""])[0]
            body = (f"{VERIFY} {secret}" if parts.path != "/wrong" else "nope").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def eventhook_paths(emulator) -> list[tuple[str, str]]:
    """(method, path) of every eventhook call the emulator logged."""
    return [(r["method"], r["path"]) for r in emulator.client.requests() if "hooks/eventhook" in r["path"]]


@pytest.mark.parametrize("path_setting", ["unversioned", "v3", "both"])
def test_register_list_and_remove(emulator, connect, target, path_setting):
    emulator.client.reset({**seed(), "settings": {"eventhook_path": path_setting,
                                                   "eventhook_delete_response": "404_if_none"}})
    hook = connect()
    registration = hook.register_eventhook(f"{target}/hook", "receiver.unsubscribed", "1001", VERIFY)
    assert isinstance(registration, Eventhook) and len(registration.call_token) == 64 and len(registration.secret) == 32
    assert registration.call_token not in repr(registration)
    (stored,) = emulator.client.webhook_registrations()
    assert (stored["call_token"], stored["secret"], stored["condition"]) == (registration.call_token, registration.secret, "1001")
    expected = "v3/hooks/eventhook" if path_setting == "v3" else "hooks/eventhook"  # "both": the unversioned one wins
    assert registration.api_path == hook.eventhook_path == expected
    assert hook.list_eventhooks() == [{"url": f"{target}/hook", "event": "receiver.unsubscribed", "condition": "1001"}]
    assert hook.delete_eventhook("receiver.unsubscribed", "1001") is True
    assert hook.delete_eventhook("receiver.unsubscribed", "1001") is False  # gone already: 404
    assert emulator.client.webhook_registrations() == []
    paths = [path for _, path in eventhook_paths(emulator)]
    if path_setting == "v3":  # one 404 on the unversioned path, then only /v3
        assert paths[0] == "/hooks/eventhook" and all(p.startswith("/v3/hooks/eventhook") for p in paths[1:])
    else:
        assert all(p.startswith("/hooks/eventhook") for p in paths)
    assert "/hooks/eventhook/receiver.unsubscribed" in paths[-1]


def test_a_removal_of_one_group_leaves_the_others(emulator, connect, target):
    """A delete always carries ``condition``: the emulator, like CleverReach, would remove every group's otherwise."""
    account = seed()["accounts"][0]
    account["groups"].append({"id": "1002", "name": "Other"})
    emulator.client.reset({"accounts": [account]})
    hook = connect()
    for group in ("1001", "1002"):
        hook.register_eventhook(f"{target}/{group}", "receiver.unsubscribed", group, VERIFY)
    assert hook.delete_eventhook("receiver.unsubscribed", "1001") is True
    assert [r["condition"] for r in emulator.client.webhook_registrations()] == ["1002"]
    deletes = [r for r in emulator.client.requests() if r["method"] == "DELETE" and "hooks/eventhook" in r["path"]]
    assert [r["query"] for r in deletes] == ["condition=1001"]


@pytest.mark.parametrize("path_setting", ["unversioned", "v3", "both"])
def test_the_path_that_answered_is_kept(emulator, connect, target, path_setting):
    """Under ``v3`` the unversioned path is tried once (404) and never again; under ``unversioned`` and ``both`` the
    root path answers at once and /v3 is never called."""
    emulator.client.reset({**seed(), "settings": {"eventhook_path": path_setting}})
    hook = connect()
    hook.list_eventhooks()
    hook.register_eventhook(f"{target}/hook", "receiver.subscribed", "1001", VERIFY)
    hook.list_eventhooks()
    paths = [path for _, path in eventhook_paths(emulator)]
    if path_setting == "v3":
        assert paths == ["/hooks/eventhook", "/v3/hooks/eventhook", "/v3/hooks/eventhook", "/v3/hooks/eventhook"]
        assert hook.eventhook_path == "v3/hooks/eventhook"
    else:
        assert paths == ["/hooks/eventhook"] * 3 and hook.eventhook_path == "hooks/eventhook"


@pytest.mark.parametrize(("answer", "second"), [("true", True), ("count", False), ("404_if_none", False)])
def test_a_removal_of_nothing_as_each_answer_tells_it(emulator, connect, target, answer, second):
    """A bare ``true`` cannot tell a removal of nothing; ``{"deleted": 0}`` and a 404 can."""
    emulator.client.reset({**seed(), "settings": {"eventhook_delete_response": answer}})
    hook = connect()
    hook.register_eventhook(f"{target}/hook", "receiver.unsubscribed", "1001", VERIFY)
    assert hook.delete_eventhook("receiver.unsubscribed", "1001") is True
    assert hook.delete_eventhook("receiver.unsubscribed", "1001") is second


def test_a_removal_never_leaves_out_its_group(emulator, connect):
    emulator.client.reset(seed())
    hook = connect()
    for group in ("", " ", "0"):
        with pytest.raises(ValueError, match="names its group"):
            hook.delete_eventhook("receiver.unsubscribed", group)
    assert eventhook_paths(emulator) == []


def test_a_failed_verification_and_a_bad_verify_value(emulator, connect, target):
    emulator.client.reset(seed())
    hook = connect()
    with pytest.raises(CleverReachValidationError):
        hook.register_eventhook(f"{target}/wrong", "receiver.unsubscribed", "1001", VERIFY)
    with pytest.raises(ValueError, match="10 to 50"):
        hook.register_eventhook(f"{target}/hook", "receiver.unsubscribed", "1001", "short")
    assert emulator.client.webhook_registrations() == []


def test_the_root_endpoint_is_beside_v3(emulator, connect):
    emulator.client.reset(seed())
    hook = connect()
    assert hook.url_from_endpoint("../hooks/eventhook") == f"{hook.api_root}/hooks/eventhook"
    assert hook.url_from_endpoint("groups") == f"{hook.api_root}/v3/groups"
