"""The CleverReach hook against the emulator, over real HTTP: auth, retries, deadline, errors, pages, writes."""

from __future__ import annotations

import logging
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachConfigError,
    CleverReachConnectionError,
    CleverReachDeadlineError,
    CleverReachForbiddenError,
    CleverReachNotFoundError,
    CleverReachServerError,
)
from cleverreach.hooks.cleverreach import RECEIVER_ORDER, CleverReachHook
from cleverreach.hooks.transport import BearerTokenAuth

from .conftest import CLIENT_ID, seed  # noqa: TID252 - the fixtures' seed data

UPSERT = "POST /v3/groups/{id}/receivers/upsert"


def endpoint_calls(emulator, name: str) -> int:
    return emulator.client.counters()["by_endpoint"].get(name, 0)


def api_requests(emulator, path: str) -> list[dict]:
    return [r for r in emulator.client.requests() if r["path"] == path]


# ---------------------------------------------------------------------- token and login
def test_token_is_fetched_once_and_reused(hook, emulator):
    hook.validate_login()
    hook.list_groups()
    hook.group_stats("1001")
    assert emulator.client.counters()["token_requests"] == 1
    ok, message = hook.test_connection()
    assert ok and "valid" in message
    assert hook.whoami()


def test_revoked_token_is_replaced_once(hook, emulator):
    hook.list_groups()
    emulator.client.revoke_tokens(CLIENT_ID)
    assert [g["id"] for g in hook.list_groups()] == ["1001"]
    assert emulator.client.counters()["token_requests"] == 2


def test_a_token_refused_again_after_renewal_fails_without_more_renewals(hook, emulator):
    hook.validate_login()
    emulator.client.set_faults(next=[{"status": 401, "count": 20, "path_regex": "^/v3/groups"}])
    with pytest.raises(CleverReachAuthError):
        hook.list_groups()
    assert len(api_requests(emulator, "/v3/groups")) == 2
    assert emulator.client.counters()["token_requests"] == 2


def test_bad_secret_is_an_auth_error_without_the_secret(emulator, connect):
    emulator.client.reset(seed())
    hook = connect("cleverreach_bad", secret="wrong-secret-987")
    with pytest.raises(CleverReachAuthError) as info:
        hook.validate_login()
    assert "cleverreach_bad" in str(info.value) and "wrong-secret-987" not in str(info.value)
    assert emulator.client.counters()["token_requests"] == 1  # a refused login is not retried
    ok, message = hook.test_connection()
    assert not ok and "rejected" in message


def test_403_is_forbidden_not_bad_credentials(hook, emulator):
    hook.validate_login()
    emulator.client.set_faults(next=[{"status": 403, "count": 5, "path_regex": "^/v3/groups"}])
    with pytest.raises(CleverReachForbiddenError) as info:
        hook.list_groups()
    assert isinstance(info.value, CleverReachAuthError)
    assert "forbidden: licence limit or missing permission" in str(info.value)
    assert "credentials" not in str(info.value)
    assert len(api_requests(emulator, "/v3/groups")) == 1  # neither retried nor a token renewal
    assert emulator.client.counters()["token_requests"] == 1


# ---------------------------------------------------------------------- connection checks
@pytest.mark.parametrize("host", ["https://rest.cleverreach.com/v3", "https://rest.cleverreach.com/v3/", "http://127.0.0.1:8765/api"])
def test_an_api_root_with_a_path_is_refused(emulator, connect, host):
    with pytest.raises(CleverReachConfigError, match="without a path"):
        connect(url=host).validate_login()
    assert emulator.client.requests() == []


def test_plain_http_to_a_remote_host_is_refused(connect):
    with pytest.raises(CleverReachConfigError, match="plain HTTP"):
        connect(url="http://rest.cleverreach.com").api_root  # noqa: B018 - the property validates


def test_a_missing_connection_is_named(monkeypatch):
    with pytest.raises(CleverReachConfigError, match="cleverreach_nowhere"):
        CleverReachHook("cleverreach_nowhere").connection  # noqa: B018


def test_missing_credentials_fail_fast(emulator, connect):
    with pytest.raises(CleverReachConfigError, match="client secret"):
        connect("cleverreach_nosecret", secret="").validate_login()


# ---------------------------------------------------------------------- retries and the deadline
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


def test_retries_are_bounded(emulator, connect):
    emulator.client.reset(seed())
    hook = connect(retry_attempts=3)
    emulator.client.set_faults(next=[{"status": 500, "count": 10, "path_regex": "^/v3/groups"}])
    with pytest.raises(CleverReachServerError):
        hook.list_groups()
    assert len(api_requests(emulator, "/v3/groups")) == 3


def test_one_deadline_per_call(emulator, connect):
    emulator.client.reset(seed())
    hook = connect(retry_attempts=20, retry_initial_wait=0.3, retry_max_wait=0.3, call_deadline=1.0)
    emulator.client.set_faults(next=[{"status": 503, "count": 100, "path_regex": "^/v3/groups"}])
    started = time.monotonic()
    with pytest.raises(CleverReachDeadlineError, match="call deadline of 1 s"):
        hook.list_groups()
    assert time.monotonic() - started < 1.5
    assert 2 <= len(api_requests(emulator, "/v3/groups")) <= 5  # far below the 20 attempts


def test_a_retry_after_beyond_the_deadline_fails_at_once(emulator, connect):
    emulator.client.reset(seed())
    hook = connect(call_deadline=5)
    hook.validate_login()
    emulator.client.set_faults(next=[{"status": 429, "count": 1, "retry_after": 60, "path_regex": "^/v3/groups"}])
    started = time.monotonic()
    with pytest.raises(CleverReachDeadlineError, match="HTTP 429"):
        hook.list_groups()
    assert time.monotonic() - started < 2


def test_token_renewal_inside_retries_does_not_multiply_attempts(emulator, connect):
    emulator.client.reset(seed())
    hook = connect(retry_attempts=3)
    hook.validate_login()
    emulator.client.revoke_tokens(CLIENT_ID)
    emulator.client.set_faults(include_oauth=True, next=[{"status": 503, "count": 50, "path_regex": "^/oauth"}])
    with pytest.raises(CleverReachServerError):
        hook.list_groups()
    log = emulator.client.requests()
    token_calls = [r for r in log if r["path"].startswith("/oauth/token")]
    assert len(api_requests(emulator, "/v3/groups")) == 1  # the 401; then every retry failed at the token
    assert len(token_calls) == 1 + 2  # the login; then the call's 3 attempts: the 401 and two token fetches


# ---------------------------------------------------------------------- groups
def test_not_found_is_typed_and_other_accounts_are_invisible(hook):
    with pytest.raises(CleverReachNotFoundError):
        hook.get_group("2001")  # the other account's group


def test_a_group_answered_with_an_empty_list_is_not_found(hook, emulator):
    emulator.client.update_settings(deleted_group_response="empty_list")
    group = hook.create_group("Scratch")
    assert hook.get_group(str(group["id"]))["name"] == "Scratch"
    hook.delete_group(str(group["id"]))
    with pytest.raises(CleverReachNotFoundError):
        hook.get_group(str(group["id"]))


def test_global_attributes_are_created_once(hook, emulator):
    assert hook.ensure_global_attributes({"ext_id": "x", "firstname": "First"}) == ["firstname"]
    assert hook.ensure_global_attributes({"ext_id": "x", "firstname": "First"}) == []
    assert endpoint_calls(emulator, "POST /v3/attributes") == 1


# ---------------------------------------------------------------------- paging
def test_pagination_reads_every_page_in_a_stable_order(hook, emulator):
    pages = list(hook.iter_receivers("1001", page_size=5))
    assert [len(p) for p in pages] == [5, 5, 2]
    assert len({r["email"] for p in pages for r in p}) == 12
    reads = api_requests(emulator, "/v3/groups/1001/receivers")
    assert len(reads) == 4  # the short page ends the read only once the next one is empty
    assert all("order_by=registered" in r["query"] for r in reads) and RECEIVER_ORDER == "registered asc"


def test_a_server_that_clamps_receiver_pages_loses_nothing(emulator, connect):
    emulator.client.reset(seed(120))
    emulator.client.update_settings(receivers_page_clamp=25)
    hook = connect()
    pages = list(hook.iter_receivers("1001", page_size=100))
    emails = [r["email"] for page in pages for r in page]
    assert len(emails) == len(set(emails)) == 120


#: the emulator's readings of a report ``pagesize`` above what it serves: (settings, pagesizes asked in one read)
REPORT_PAGE_VARIANTS = {
    "clamps silently at 100": ({}, [5000, 100, 100, 20]),
    "clamps at 25": ({"report_page_clamp": 25}, [5000] + [25] * 10 + [10]),
    "refuses above 100": ({"report_pagesize_policy": "reject"}, [5000, 2500, 1000, 500, 250, 100, 100, 100, 20]),
    "honours 5000": ({"report_max_pagesize": 5000}, [5000, 260]),
}


@pytest.mark.parametrize("variant", REPORT_PAGE_VARIANTS)
def test_report_pages_as_large_as_the_server_serves_lose_nothing(emulator, connect, variant):
    """Page 1 after a page 0 clamped to 100 is rows 100-199; the short last page is confirmed by an empty one."""
    settings, asked = REPORT_PAGE_VARIANTS[variant]
    emulator.client.reset(seed(260))
    emulator.client.update_settings(**settings)
    mailing_id = emulator.client.send_mailing(CLIENT_ID, ["1001"], name="Spring")
    hook = connect()
    rows = [r for page in hook.iter_report_receivers(mailing_id, "sent") for r in page]
    assert sorted(r["email"] for r in rows) == [f"r{i:03d}@example.org" for i in range(260)]  # each exactly once
    assert pagesizes(emulator, mailing_id) == asked
    emulator.client.clear_requests()
    again = [r for page in hook.iter_report_receivers(mailing_id, "sent") for r in page]  # the same run
    assert len(again) == 260
    # a refused size is not asked for again by this hook; a clamp costs no request, so 5000 is asked again
    assert pagesizes(emulator, mailing_id)[0] == (100 if "report_pagesize_policy" in settings else 5000)


def pagesizes(emulator, mailing_id: str) -> list[int]:
    reads = api_requests(emulator, f"/v3/reports/{mailing_id}/receivers/sent")
    return [int(dict(p.split("=", 1) for p in r["query"].split("&"))["pagesize"]) for r in reads]


def test_get_receivers_by_id_and_email_in_short_urls(emulator, connect):
    emulator.client.reset(seed(300))
    hook = connect()
    everyone = [r for page in hook.iter_receivers("1001") for r in page]
    by_email = hook.get_receivers("1001", emails=[r["email"] for r in everyone])
    assert {r["id"] for r in by_email} == {r["id"] for r in everyone}
    assert hook.get_receivers("1001", ids=[everyone[0]["id"], "999999"])[0]["email"] == everyone[0]["email"]
    reads = [r for r in api_requests(emulator, "/v3/groups/1001/receivers") if "email_list" in r["query"]]
    assert len({r["query"] for r in reads}) > 1  # 300 addresses did not go into one URL
    emulator.client.clear_requests()
    assert hook.get_receivers("1001", ids=["", " "], emails=[""]) == []  # no filter would have read the whole group
    assert api_requests(emulator, "/v3/groups/1001/receivers") == []


# ---------------------------------------------------------------------- writes
def test_insert_never_touches_an_existing_receiver_and_upsert_updates(hook, emulator):
    inserted = next(hook.insert_receivers("1001", [{"email": "r000@example.org", "global_attributes": {"ext_id": "9"}},
                                                   {"email": "new@example.org"}]))
    assert [(i.key, i.ok, i.status) for i in inserted.items][1] == ("new@example.org", True, "insert success")
    assert not inserted.items[0].ok
    receiver = hook.get_receivers("1001", emails=["r000@example.org"])[0]
    assert receiver["global_attributes"]["ext_id"] == ""  # untouched
    upserted = next(hook.upsert_receivers("1001", [{"email": "r000@example.org", "global_attributes": {"ext_id": "9"}}]))
    assert (upserted.items[0].ok, upserted.items[0].status) == (True, "update success")
    assert hook.get_receivers("1001", emails=["r000@example.org"])[0]["global_attributes"]["ext_id"] == "9"


def test_per_item_results_keep_errors(hook):
    batch = next(hook.upsert_receivers(
        "1001", [{"email": "r000@example.org"}, {"email": "not-an-address"}, {"email": "x@example.org"}, {"email": "X@example.org"}]
    ))
    assert [(i.ok, i.status) for i in batch.items[:1]] == [(True, "update success")]
    assert not batch.items[1].ok and "invalid address" in batch.items[1].error
    assert batch.items[2].ok and not batch.items[3].ok and "duplicate" in batch.items[3].error


def test_delete_by_id(hook, emulator):
    target = hook.get_receivers("1001", emails=["r000@example.org"])[0]
    batch = next(hook.delete_receivers("1001", [target["id"], "999999"]))
    assert [(i.key, i.ok) for i in batch.items] == [(str(target["id"]), True), ("999999", False)]
    assert len(emulator.client.group_receivers("1001")) == 11
    assert hook.get_receivers("1001", ids=[target["id"]]) == []


def test_deactivate_and_activate_a_receiver(hook):
    receiver_id = str(hook.get_receivers("1001", emails=["r001@example.org"])[0]["id"])
    hook.deactivate_receiver("1001", receiver_id)
    assert hook.get_receivers("1001", ids=[receiver_id])[0]["deactivated"] > 0
    hook.activate_receiver("1001", receiver_id)
    assert hook.get_receivers("1001", ids=[receiver_id])[0]["deactivated"] == 0


def test_upsert_batches_at_the_batch_size(emulator, connect):
    emulator.client.reset(seed())
    hook = connect(batch_size=1000)
    receivers = [{"email": f"n{i}@example.org", "global_attributes": {"ext_id": str(i)}} for i in range(2500)]
    results = list(hook.upsert_receivers("1001", receivers))
    assert [(b.index, b.total, len(b.items)) for b in results] == [(1, 3, 1000), (2, 3, 1000), (3, 3, 500)]
    assert all(item.ok and item.status == "insert success" for b in results for item in b.items)
    assert endpoint_calls(emulator, UPSERT) == 3


def test_a_413_lowers_the_batch_size_for_the_rest_of_the_run(emulator, connect):
    emulator.client.reset(seed())
    emulator.client.update_settings(batch_limit=300)
    hook = connect(batch_size=1000)
    receivers = [{"email": f"n{i}@example.org"} for i in range(2500)]
    batches = list(hook.upsert_receivers("1001", receivers))
    items = [item for batch in batches for item in batch.items]
    assert len(items) == 2500 and all(item.ok for item in items)
    assert [i.key for i in items] == [r["email"] for r in receivers]  # order kept
    assert [r["status"] for r in api_requests(emulator, "/v3/groups/1001/receivers/upsert")].count(413) == 2
    assert {len(b.items) for b in batches} == {250} and batches[-1].index == batches[-1].total == 10
    later = list(hook.upsert_receivers("1001", receivers[:600]))  # the same run: starts at the lowered size
    assert [len(b.items) for b in later] == [250, 250, 100]
    assert [r["status"] for r in api_requests(emulator, "/v3/groups/1001/receivers/upsert")].count(413) == 2


# ---------------------------------------------------------------------- mailings and reports
def test_mailings_links_and_report_windows(emulator, connect):
    emulator.client.reset(seed(3))
    mailing_id = emulator.client.send_mailing(
        CLIENT_ID, ["1001"], name="Spring", links=[{"id": "7", "url": "https://example.org/spring"}]
    )
    hook = connect()
    assert mailing_id in {str(m["id"]) for m in hook.list_mailings()}
    assert str(hook.get_mailing(mailing_id)["id"]) == mailing_id
    assert hook.report_links(mailing_id) == {"7": "https://example.org/spring"}
    sent = [r for page in hook.iter_report_receivers(mailing_id, "sent") for r in page]
    assert len(sent) == 3
    assert [r for page in hook.iter_report_receivers(mailing_id, "sent", until=0) for r in page] == []
    reads = api_requests(emulator, f"/v3/reports/{mailing_id}/receivers/sent")
    assert "to=0" in reads[-1]["query"]
    with pytest.raises(ValueError, match="unknown report state"):
        hook.iter_report_receivers(mailing_id, "delivered")


def test_httphook_run_uses_the_token_and_typed_errors(hook, emulator):
    """``HttpOperator`` drives the hook through ``HttpHook.run``: same auth, same typed check_response."""
    assert hook.run("debug/validate").json() is True
    with pytest.raises(CleverReachNotFoundError):
        hook.run("groups/2001")
    assert emulator.client.counters()["token_requests"] == 1


# ---------------------------------------------------------------------- built on HttpHook
def test_httphook_builds_the_session_from_the_checked_connection(hook, emulator):
    """``HttpHook.get_conn`` makes the session; what it reads is the connection as checked, without the
    client credentials and with only transport options as extras (the others would become headers)."""
    seen = CleverReachHook.get_connection("cleverreach_acme")
    assert seen.host == f"{emulator.url}/v3" and seen.login is None and seen.password is None
    assert seen.extra_dejson == {"timeout": 60.0, "proxies": {}, "verify": True, "trust_env": False, "stream": True}
    session = hook.session
    assert hook.base_url == f"{emulator.url}/v3"
    assert hook.url_from_endpoint("groups") == f"{emulator.url}/v3/groups"
    assert isinstance(session.auth, BearerTokenAuth) and session.trust_env is False and session.stream is True
    assert session.headers["User-Agent"].startswith("airflow-provider-cleverreach/")
    assert hook.merged_extra["timeout"] == 60.0


def test_httphook_run_takes_the_method_of_the_hook(hook, emulator):
    """As ``HttpOperator(hook_params={"method": "POST"})`` uses it."""
    created = CleverReachHook("cleverreach_acme", method="POST").run("groups", json={"name": "From run"}).json()
    assert created["name"] == "From run"
    assert emulator.client.counters()["token_requests"] == 1


class _RefusingReceivers(HTTPAdapter):
    """Refuses every receivers request as urllib3 does, quoting the URL with its query."""

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003
        if "/receivers" in request.url:
            raise requests.ConnectionError(f"Max retries exceeded with url: {request.path_url} (refused)")
        return super().send(request, **kwargs)


def test_a_transport_error_through_run_logs_no_url_query(hook, emulator, caplog, capsys):
    """``HttpHook.run_and_check`` logs a connection error with its URL; the e-mail list of a lookup is in it."""
    caplog.set_level(logging.DEBUG)
    refused = CleverReachHook("cleverreach_acme", adapter=_RefusingReceivers())
    with pytest.raises(CleverReachConnectionError) as info:
        refused.run("groups/1001/receivers", data={"email_list": "anna@example.org", "type": "all"})
    with pytest.raises(CleverReachConnectionError):
        refused.get_receivers("1001", emails=["anna@example.org"])
    logged = caplog.text + "".join(capsys.readouterr()) + str(info.value)
    assert "GET /v3/groups/1001/receivers" in str(info.value)
    assert "anna" not in logged and "%40" not in logged
