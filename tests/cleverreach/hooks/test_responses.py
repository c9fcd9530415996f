"""Decoding CleverReach's answers: typed errors, and which per-item statuses count as written."""

from __future__ import annotations

import pytest
import requests

from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachForbiddenError,
    CleverReachNotFoundError,
    CleverReachRateLimitError,
    CleverReachResponseError,
    CleverReachServerError,
)
from cleverreach.hooks.responses import RECEIVER_PAGE, ReceiverRow, decode, parse_aligned_results


def _response(status: int, body: bytes, ctype: str = "application/json", **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = ctype
    response.headers.update(headers)
    return response


def test_error_object_in_a_2xx_body_is_an_error():
    with pytest.raises(CleverReachNotFoundError):
        decode(_response(200, b'{"error": {"code": 404, "message": "Not Found: invalid group"}}'), "GET /v3/x")
    with pytest.raises(CleverReachResponseError):
        decode(_response(200, b"<html>oops</html>", "text/html"), "GET /v3/x")
    assert decode(_response(200, b"true"), "GET /v3/x") is True


def test_403_says_forbidden_not_bad_credentials():
    with pytest.raises(CleverReachForbiddenError) as info:
        decode(_response(403, b'{"error": {"code": 403, "message": "Forbidden"}}'), "POST /v3/groups/1/receivers/insert")
    assert isinstance(info.value, CleverReachAuthError)
    assert "forbidden: licence limit or missing permission" in str(info.value)


def test_gateway_pages_are_transient_and_never_quoted():
    with pytest.raises(CleverReachServerError) as info:
        decode(_response(502, b"<html>Anna Example, Main St 1</html>", "text/html"), "GET /v3/groups")
    assert "Anna" not in str(info.value)
    with pytest.raises(CleverReachRateLimitError) as limited:
        decode(_response(429, b"", **{"Retry-After": "3"}), "GET /v3/groups")
    assert limited.value.retry_after == 3


def test_error_messages_do_not_carry_addresses():
    with pytest.raises(CleverReachNotFoundError) as info:
        decode(_response(404, b'{"error": {"code": 404, "message": "Not Found: anna@example.org"}}'),
               "GET /v3/receivers/anna@example.org")
    assert "anna@example.org" not in str(info.value)


@pytest.mark.parametrize("status", ["success", "insert success", "update success", "upsert success", "Update Success "])
def test_known_success_forms(status):
    assert parse_aligned_results(["a"], [{"status": status, "id": "5"}])[0].ok
    assert parse_aligned_results(["a"], [status])[0].ok


@pytest.mark.parametrize(
    "item",
    [{"status": "unsuccessful"}, {"status": "not successful"}, {"status": "success", "error": "no"}, {"id": "5"},
     {"status": None}, "invalid address 'x';", "unsuccessful", None, 1],
)
def test_anything_else_is_a_failure(item):
    result = parse_aligned_results(["key"], [item])[0]
    assert not result.ok and result.error


def test_results_must_align_with_the_input():
    with pytest.raises(CleverReachResponseError, match="expected 2 per-item results, got 1"):
        parse_aligned_results(["a", "b"], [{"status": "success"}])
    with pytest.raises(CleverReachResponseError):
        parse_aligned_results(["a"], True)


@pytest.mark.parametrize("body", [
    '[{"id": "1", "email": "jürgen@bücher.example", "activated": 1700000000, "global_attributes": {"x": null}}]'.encode(),
    b'{"big": 123456789012345678901234567890, "float": 0.1, "twice": 1, "twice": 2}',
    b'[NaN, Infinity]',  # not JSON to msgspec: json's reading
    b'"\\ud800"',  # a lone surrogate
    '["utf-16 with BOM"]'.encode("utf-16"),
])
def test_bodies_decode_exactly_as_json_does(body):
    """The fast decoder (msgspec) gives json's values; what it refuses is read by requests/json as before."""
    assert decode(_response(200, body), "GET /v3/x") == _response(200, body).json()


def test_receiver_pages_decode_into_rows_of_the_fields_a_sync_reads():
    """Typed rows carry the sync's fields as sent (no conversion) and skip the rest; a body that is no list of
    objects (an error object, ``false``, a stray item) is decoded as plain JSON, so errors stay typed."""
    body = ('[{"id": 7, "email": "a@example.org", "activated": "17", "deactivated": 0, "tags": ["x"], '
            '"global_attributes": {"ext_id": "3"}}, {"email": "b@example.org", "global_attributes": []}]').encode()
    rows = decode(_response(200, body), "GET /v3/x", RECEIVER_PAGE)
    assert rows == [ReceiverRow(id=7, email="a@example.org", activated="17", deactivated=0, global_attributes={"ext_id": "3"}),
                    ReceiverRow(email="b@example.org", global_attributes=[])]
    assert not hasattr(rows[0], "tags")
    assert decode(_response(200, b'[{"id": "1"}, "odd"]'), "GET /v3/x", RECEIVER_PAGE) == [{"id": "1"}, "odd"]
    assert decode(_response(200, b"false"), "GET /v3/x", RECEIVER_PAGE) is False
    with pytest.raises(CleverReachNotFoundError):
        decode(_response(200, b'{"error": {"code": 404, "message": "Not Found"}}'), "GET /v3/x", RECEIVER_PAGE)
