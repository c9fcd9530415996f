"""The hook's eventhook calls: the unversioned path first, ``/v3`` after a 404, the path that answered kept; a removal
always names its group.

AGAINST A LOCAL FAKE (``helpers.eventhook_fake``) of the three eventhook calls in front of the emulator: switch these
tests to the emulator's own eventhooks once they are merged (the fake then goes)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers.eventhook_fake import EventhookFake

from cleverreach.exceptions import CleverReachNotFoundError, CleverReachValidationError
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


@pytest.mark.parametrize("versioned", [False, True], ids=["unversioned", "v3"])
def test_register_list_and_remove(emulator, connect, target, versioned):
    emulator.client.reset(seed())
    with EventhookFake(emulator.url, versioned=versioned) as fake:
        hook = connect(url=fake.url)
        registration = hook.register_eventhook(f"{target}/hook", "receiver.unsubscribed", "1001", VERIFY)
        assert isinstance(registration, Eventhook) and len(registration.call_token) == 64 and len(registration.secret) == 32
        assert registration.call_token not in repr(registration)
        expected = "v3/hooks/eventhook" if versioned else "hooks/eventhook"
        assert registration.api_path == hook.eventhook_path == expected
        assert hook.list_eventhooks() == [{"url": f"{target}/hook", "event": "receiver.unsubscribed", "condition": "1001"}]
        assert hook.delete_eventhook("receiver.unsubscribed", "1001") is True
        assert hook.delete_eventhook("receiver.unsubscribed", "1001") is False  # gone already: 404
        assert fake.registrations == [] and fake.wide_deletes == []
        paths = [path for _, path in fake.calls]
    if versioned:  # one 404 on the unversioned path, then only /v3
        assert paths[0] == "/hooks/eventhook" and all(p.startswith("/v3/hooks/eventhook") for p in paths[1:])
    else:
        assert all(p.startswith("/hooks/eventhook") for p in paths)
    assert "/hooks/eventhook/receiver.unsubscribed" in paths[-1]


def test_a_removal_never_leaves_out_its_group(emulator, connect):
    emulator.client.reset(seed())
    with EventhookFake(emulator.url) as fake:
        hook = connect(url=fake.url)
        for group in ("", " ", "0"):
            with pytest.raises(ValueError, match="names its group"):
                hook.delete_eventhook("receiver.unsubscribed", group)
        assert fake.calls == []


def test_a_failed_verification_and_a_bad_verify_value(emulator, connect, target):
    emulator.client.reset(seed())
    with EventhookFake(emulator.url) as fake:
        hook = connect(url=fake.url)
        with pytest.raises(CleverReachValidationError):
            hook.register_eventhook(f"{target}/wrong", "receiver.unsubscribed", "1001", VERIFY)
        with pytest.raises(ValueError, match="10 to 50"):
            hook.register_eventhook(f"{target}/hook", "receiver.unsubscribed", "1001", "short")
        assert fake.registrations == []


def test_no_eventhook_endpoint_at_all_is_a_typed_404(emulator, connect):
    """The emulator as it is today (no eventhooks): both paths answer 404."""
    emulator.client.reset(seed())
    hook = connect()
    with pytest.raises(CleverReachNotFoundError):
        hook.list_eventhooks()
    assert hook.eventhook_path is None


def test_the_root_endpoint_is_beside_v3(emulator, connect):
    emulator.client.reset(seed())
    hook = connect()
    assert hook.url_from_endpoint("../hooks/eventhook") == f"{hook.api_root}/hooks/eventhook"
    assert hook.url_from_endpoint("groups") == f"{hook.api_root}/v3/groups"
