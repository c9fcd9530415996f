"""The CleverReach hook against the emulator, over real HTTP: auth, retries, batches, pages, errors, masking."""

from __future__ import annotations

import logging
import time

import pytest
import requests
from helpers.connections import set_cleverreach_connection

from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachConfigError,
    CleverReachNotFoundError,
    CleverReachResponseError,
    CleverReachServerError,
)
from cleverreach.hooks.cleverreach import CleverReachHook, CleverReachSettings, _decode

CLIENT_ID, SECRET = "acme-client", "acme-secret-0123456789"
UPSERT = "POST /v3/groups/{id}/receivers/upsert"


def seed(receivers: int = 0) -> dict:
    return {
        "accounts": [
            {
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "name": "ACME",
                "attributes": [{"name": "ext_id", "type": "text"}],
                "groups": [
                    {
                        "id": "1001",
                        "name": "Newsletter",
                        "receivers": [{"email": f"r{i:03d}@example.org"} for i in range(receivers)],
                    }
                ],
            },
            {"client_id": "other-client", "client_secret": "other-secret-xyz", "groups": [{"id": "2001", "name": "Other"}]},
        ]
    }


@pytest.fixture
def hook(emulator, monkeypatch):
    emulator.client.reset(seed(12))
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT_ID, SECRET)
    return CleverReachHook("cleverreach_acme", initial_wait=0.01, max_wait=2)


def endpoint_calls(emulator, name: str) -> int:
    return emulator.client.counters()["by_endpoint"].get(name, 0)


def test_token_is_fetched_once_and_reused(hook, emulator):
    assert hook.validate_login()
    hook.list_groups()
    hook.group_stats("1001")
    assert emulator.client.counters()["token_requests"] == 1
    ok, message = hook.test_connection()
    assert ok and "valid" in message


def test_revoked_token_is_replaced_once(hook, emulator):
    hook.list_groups()
    emulator.client.revoke_tokens(CLIENT_ID)
    assert [g["id"] for g in hook.list_groups()] == ["1001"]
    assert emulator.client.counters()["token_requests"] == 2


def test_bad_secret_is_an_auth_error_without_the_secret(emulator, monkeypatch):
    emulator.client.reset(seed())
    set_cleverreach_connection(monkeypatch, "cleverreach_bad", emulator.url, CLIENT_ID, "wrong-secret-987")
    hook = CleverReachHook("cleverreach_bad", initial_wait=0.01)
    with pytest.raises(CleverReachAuthError) as info:
        hook.validate_login()
    assert "cleverreach_bad" in str(info.value) and "wrong-secret-987" not in str(info.value)
    ok, message = hook.test_connection()
    assert not ok and "rejected" in message


def test_plain_http_to_a_remote_host_is_refused(monkeypatch):
    set_cleverreach_connection(monkeypatch, "cleverreach_http", "http://rest.cleverreach.com", "id", "secret")
    with pytest.raises(CleverReachConfigError):
        _ = CleverReachHook("cleverreach_http").api_root


def test_transient_errors_are_retried(hook, emulator):
    emulator.client.set_faults(next=[{"status": 503, "count": 2}, {"status": 502, "count": 1, "html": True}])
    assert len(hook.list_groups()) == 1
    statuses = [r["status"] for r in emulator.client.requests() if r["path"].startswith("/v3/groups")]
    assert statuses == [503, 503, 502, 200]


def test_rate_limit_honours_retry_after(hook, emulator):
    hook.validate_login()
    emulator.client.set_faults(next=[{"status": 429, "count": 1, "retry_after": 1}])
    started = time.monotonic()
    hook.list_groups()
    assert time.monotonic() - started >= 0.95  # the hook's own backoff would be 0.01 s


def test_retries_are_bounded(hook, emulator):
    hook.max_attempts = 3
    emulator.client.set_faults(next=[{"status": 500, "count": 10}])
    with pytest.raises(CleverReachServerError):
        hook.list_groups()
    assert sum(1 for r in emulator.client.requests() if r["path"] == "/v3/groups") == 3


def test_not_found_is_typed_and_other_accounts_are_invisible(hook):
    with pytest.raises(CleverReachNotFoundError):
        hook.get_group("2001")  # the other account's group


def test_pagination_reads_every_page(hook, emulator):
    pages = list(hook.iter_receivers("1001", page_size=5))
    assert [len(p) for p in pages] == [5, 5, 2]
    assert len({r["email"] for p in pages for r in p}) == 12
    assert endpoint_calls(emulator, "GET /v3/groups/{id}/receivers") == 3


def test_pagination_stops_after_an_empty_page_on_exact_multiples(hook, emulator):
    pages = list(hook.iter_receivers("1001", page_size=6))
    assert [len(p) for p in pages] == [6, 6]
    assert endpoint_calls(emulator, "GET /v3/groups/{id}/receivers") == 3


def test_upsert_batches_of_1000(hook, emulator):
    receivers = [{"email": f"n{i}@example.org", "global_attributes": {"ext_id": str(i)}} for i in range(2500)]
    results = list(hook.upsert_receivers("1001", receivers))
    assert [(b.index, b.total, len(b.items)) for b in results] == [(1, 3, 1000), (2, 3, 1000), (3, 3, 500)]
    assert all(item.ok and item.status == "insert success" for b in results for item in b.items)
    assert endpoint_calls(emulator, UPSERT) == 3


def test_413_halves_the_batch(hook, emulator):
    emulator.client.update_settings(batch_limit=300)
    receivers = [{"email": f"n{i}@example.org"} for i in range(1000)]
    items = [item for batch in hook.upsert_receivers("1001", receivers) for item in batch.items]
    assert len(items) == 1000 and all(item.ok for item in items)
    assert [i.key for i in items] == [r["email"] for r in receivers]  # order kept
    assert len(emulator.client.group_receivers("1001")) == 1012


def test_per_item_results_keep_errors(hook):
    batch = next(
        hook.upsert_receivers(
            "1001",
            [{"email": "r000@example.org"}, {"email": "not-an-address"}, {"email": "x@example.org"}, {"email": "X@example.org"}],
        )
    )
    assert [(i.ok, i.status) for i in batch.items[:1]] == [(True, "update success")]
    assert not batch.items[1].ok and "invalid address" in batch.items[1].error
    assert batch.items[2].ok and not batch.items[3].ok and "duplicate" in batch.items[3].error


def test_bulk_delete_reports_per_item(hook, emulator):
    batch = next(hook.delete_receivers("1001", ["r000@example.org", "nobody@example.org"]))
    assert batch.items[0].ok and not batch.items[1].ok
    assert len(emulator.client.group_receivers("1001")) == 11


def test_global_attributes_are_created_once(hook, emulator):
    assert hook.ensure_global_attributes({"ext_id": "x", "firstname": "First"}) == ["firstname"]
    assert hook.ensure_global_attributes({"ext_id": "x", "firstname": "First"}) == []
    assert endpoint_calls(emulator, "POST /v3/attributes") == 1


def test_secrets_never_reach_the_logs(hook, emulator, caplog, capsys):
    from airflow.sdk._shared.secrets_masker import redact

    caplog.set_level(logging.DEBUG)
    hook.validate_login()
    emulator.client.revoke_tokens(CLIENT_ID)
    emulator.client.set_faults(next=[{"status": 503, "count": 1}])
    hook.list_groups()
    token = hook.get_token()
    logged = caplog.text + "".join(capsys.readouterr())
    assert SECRET not in logged and token not in logged
    assert redact(token) != token and redact(SECRET) != SECRET  # registered with the masker


def _response(status: int, body: bytes, ctype: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = ctype
    return response


def test_error_object_in_a_2xx_body_is_an_error():
    with pytest.raises(CleverReachNotFoundError):
        _decode(_response(200, b'{"error": {"code": 404, "message": "Not Found: invalid group"}}'), "GET /v3/x")
    with pytest.raises(CleverReachResponseError):
        _decode(_response(200, b"<html>oops</html>", "text/html"), "GET /v3/x")
    assert _decode(_response(200, b"true"), "GET /v3/x") is True


def test_error_messages_do_not_carry_addresses():
    with pytest.raises(CleverReachNotFoundError) as info:
        _decode(_response(404, b'{"error": {"code": 404, "message": "Not Found: anna@example.org"}}'),
                "GET /v3/receivers/anna@example.org")
    assert "anna@example.org" not in str(info.value)


def test_settings_validate_extras():
    assert CleverReachSettings.from_extras({}).batch_size == 1000
    assert CleverReachSettings.from_extras({"page_size": "200", "ext_id_attribute": " EXT_ID "}).ext_id_attribute == "ext_id"
    with pytest.raises(CleverReachConfigError):
        CleverReachSettings.from_extras({"batch_size": 5000})
    with pytest.raises(CleverReachConfigError):
        CleverReachSettings.from_extras({"removal_mode": "purge"})
