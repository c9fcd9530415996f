"""What goes over the wire: the secret only in the token request, no extras as headers, proxies and the
CA bundle in use, nothing personal in the logs; and the retry rules and API-root checks on their own."""

from __future__ import annotations

import base64
import json
import logging

import pytest
import requests
import tenacity
from airflow.sdk import Connection

from cleverreach.exceptions import (
    CleverReachConfigError,
    CleverReachConnectionError,
    CleverReachRateLimitError,
    CleverReachServerError,
    CleverReachValidationError,
)
from cleverreach.hooks.settings import CleverReachSettings
from cleverreach.hooks.transport import api_root_of, build_retry_args, is_retryable

from .conftest import CLIENT_ID, SECRET, seed  # noqa: TID252 - the fixtures' seed data

STANDARD_HEADERS = {"host", "user-agent", "accept-encoding", "accept", "connection", "content-length",
                    "content-type", "authorization", "proxy-connection"}


def test_the_client_secret_travels_only_in_the_token_request(emulator, connect, wire):
    emulator.client.reset(seed(3))
    hook = connect(url=wire.url)
    hook.validate_login()
    list(hook.iter_receivers("1001"))
    emulator.client.revoke_tokens(CLIENT_ID)
    hook.list_groups()  # a renewal: a second token request
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    token_requests = [r for r in wire.requests if r.path == "/oauth/token.php"]
    others = [r for r in wire.requests if r.path != "/oauth/token.php"]
    assert len(token_requests) == 2 and len(others) >= 4
    assert all(r.headers["Authorization"] == f"Basic {basic}" for r in token_requests)
    for recorded in others:
        sent = wire.everything_sent(recorded)
        assert SECRET not in sent and basic not in sent
        assert recorded.headers["Authorization"].startswith("Bearer ")


def test_extras_never_become_headers(emulator, connect, wire):
    emulator.client.reset(seed(1))
    extras = {"ext_id_attribute": "crm_id", "timeout": 30, "batch_size": 250, "opt_in": "double",
              "opt_in_by_group": {"1001": "confirmed"}}
    hook = connect(url=wire.url, **extras)
    hook.list_groups()
    for recorded in wire.requests:
        assert {name.lower() for name in recorded.headers} <= STANDARD_HEADERS, recorded.headers
        assert "crm_id" not in str(recorded.headers)
    with pytest.raises(CleverReachConfigError, match="valid extras"):
        connect("cleverreach_headers", **{"X-Api-Key": "abc"}).list_groups()


def test_the_proxies_extra_reaches_the_wire(emulator, connect, wire):
    emulator.client.reset(seed(1))
    monkey_env = {"HTTP_PROXY": "http://proxy.invalid:3128", "NO_PROXY": "*"}  # ignored: trust_env is off
    hook = connect(proxies={"http": wire.url})
    with pytest.MonkeyPatch.context() as patch:
        for name, value in monkey_env.items():
            patch.setenv(name, value)
        assert [g["id"] for g in hook.list_groups()] == ["1001"]
    assert hook.session.proxies == {"http": wire.url}
    assert wire.requests and all(r.via_proxy for r in wire.requests)
    assert {r.path for r in wire.requests} == {"/oauth/token.php", "/v3/groups"}


def test_the_ca_bundle_extra_is_used_and_verification_stays_on(emulator, connect, tls_wire):
    recorder, ca = tls_wire
    emulator.client.reset(seed(1))
    with pytest.raises(CleverReachConnectionError, match="TLS") as info:
        connect("cleverreach_tls_default", url=recorder.url).list_groups()
    assert not info.value.transient and recorder.requests == []  # refused, and not retried
    hook = connect("cleverreach_tls_ca", url=recorder.url, verify=str(ca))
    assert hook.session.verify == str(ca)
    assert [g["id"] for g in hook.list_groups()] == ["1001"]
    assert {r.path for r in recorder.requests} == {"/oauth/token.php", "/v3/groups"}
    with pytest.raises(CleverReachConfigError, match="does not exist"):
        connect("cleverreach_tls_missing", url=recorder.url, verify=str(ca) + ".missing").list_groups()


def test_no_body_and_no_secret_in_the_logs(hook, emulator, caplog, capsys):
    from airflow.sdk._shared.secrets_masker import redact

    caplog.set_level(logging.DEBUG)
    hook.validate_login()
    emulator.client.revoke_tokens(CLIENT_ID)
    emulator.client.set_faults(next=[
        {"status": 503, "count": 1, "html": True},
        {"status": 400, "count": 1, "path_regex": "receivers", "message": "Anna Example anna@example.org refused"},
    ])
    hook.list_groups()
    with pytest.raises(CleverReachValidationError) as info:
        list(hook.iter_receivers("1001"))
    assert "anna@example.org" not in str(info.value)
    token = hook.get_token()
    list(hook.iter_receivers("1001"))  # receivers' data in a body: never logged
    logged = caplog.text + "".join(capsys.readouterr())
    assert SECRET not in logged and token not in logged
    assert "Anna" not in logged and "@example.org" not in logged and "<html" not in logged.lower()
    assert redact(token) != token and redact(SECRET) != SECRET  # registered with the masker


def test_a_transport_error_does_not_quote_the_url_query(emulator, connect):
    emulator.client.reset(seed())
    hook = connect(retry_attempts=1)
    hook.validate_login()
    hook.session.mount("http://", _Refusing())
    with pytest.raises(CleverReachConnectionError) as info:
        hook.get_receivers("1001", emails=["anna@example.org"])
    assert "anna" not in str(info.value) and "%40" not in str(info.value)


class _Refusing(requests.adapters.BaseAdapter):
    def send(self, request, **kwargs):  # noqa: ANN001, ANN003
        raise requests.ConnectionError(f"Max retries exceeded with url: {request.path_url} (refused)")

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (CleverReachRateLimitError("x"), True),
        (CleverReachServerError("x", status=502), True),
        (CleverReachConnectionError("x"), True),
        (CleverReachConnectionError("tls", transient=False), False),
        (requests.Timeout("x"), True),
        (requests.exceptions.SSLError("x"), False),
        (CleverReachValidationError("x", status=400), False),
        (ValueError("x"), False),
    ],
)
def test_the_retry_predicate(error, retried):
    assert is_retryable(error) is retried


def test_retry_args_like_dbt_cloud_keep_our_predicate():
    args = build_retry_args(
        {"stop": tenacity.stop_after_attempt(2), "retry": tenacity.retry_always, "reraise": False},
        CleverReachSettings(), logging.getLogger("test"),
    )
    assert args["reraise"] is True and args["retry"] is not tenacity.retry_always
    assert not args["retry"](_failed_state(ValueError("not transient")))
    assert args["retry"](_failed_state(CleverReachServerError("x", status=503)))


def _failed_state(error: BaseException) -> tenacity.RetryCallState:
    state = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
    state.set_exception((type(error), error, None))
    return state


@pytest.mark.parametrize(
    ("host", "port", "root"),
    [
        (None, None, "https://rest.cleverreach.com"),
        ("rest.cleverreach.com", None, "https://rest.cleverreach.com"),
        ("https://rest.cleverreach.com/", None, "https://rest.cleverreach.com"),
        ("https://api.example.com", 8443, "https://api.example.com:8443"),
        ("http://[::1]:8765", None, "http://[::1]:8765"),
    ],
)
def test_api_roots(host, port, root):
    assert api_root_of(Connection(conn_id="c", conn_type="cleverreach", host=host, port=port), "c") == root


@pytest.mark.parametrize("host", ["https://rest.cleverreach.com/v3", "https://x.example/?a=1", "ftp://x.example"])
def test_api_roots_refused(host):
    with pytest.raises(CleverReachConfigError, match="'c'"):
        api_root_of(Connection(conn_id="c", conn_type="cleverreach", host=host), "c")


def test_httphook_reads_a_connection_without_credentials_and_with_transport_extras_only(tmp_path):
    from cleverreach.hooks.transport import session_connection

    ca = tmp_path / "ca.pem"
    ca.write_text("-")
    stored = Connection(conn_id="c", conn_type="cleverreach", host="api.example.com", port=8443, login="id",
                        password="secret-0123", extra=json.dumps({"verify": str(ca), "batch_size": 10}))
    settings = CleverReachSettings.from_extras({"verify": str(ca), "batch_size": 10, "proxies": {"https": "http://p:1"}})
    seen = session_connection(stored, settings, "c")
    assert (seen.host, seen.port, seen.schema, seen.login, seen.password) == ("https://api.example.com:8443/v3", None, None, None, None)
    assert seen.extra_dejson == {"timeout": 60.0, "proxies": {"https": "http://p:1"}, "verify": str(ca),
                                 "trust_env": False, "stream": True}
    with pytest.raises(CleverReachConfigError, match="does not exist"):
        session_connection(stored, CleverReachSettings.from_extras({"verify": str(ca) + ".gone"}), "c")
