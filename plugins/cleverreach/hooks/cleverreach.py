"""Hook for the CleverReach REST API v3, built on the HTTP provider's ``HttpHook``.

From ``HttpHook`` it uses: ``get_conn`` for the session (base URL, proxies, CA bundle, keep-alive
adapter, ``default_headers``), fed a checked connection through ``get_connection``; ``auth_type`` for
the OAuth Bearer token; ``url_from_endpoint``; and its two documented overrides, ``run_and_check``
(the send: body read up to ``max_response_bytes``, transport errors typed, no URL in a message or log)
and ``check_response`` (typed errors, no body logged). ``run()`` therefore works as ``HttpOperator``
expects. The typed methods go through :meth:`CleverReachHook.request` instead of ``run()``: one session
per hook, the method per call, and one retry budget per call (``Retry-After`` honoured, one deadline,
one token renewal after a 401) that ``run_with_advanced_retry`` cannot give.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec
import requests
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.exceptions import AirflowNotFoundException
from airflow.sdk.log import mask_secret
from requests.auth import HTTPBasicAuth
from tenacity import Retrying

from cleverreach import __version__
from cleverreach.exceptions import (
    CleverReachAuthError, CleverReachBatchTooLargeError, CleverReachConfigError, CleverReachConflictError,
    CleverReachDeadlineError, CleverReachError, CleverReachForbiddenError, CleverReachNotFoundError,
    CleverReachRateLimitError, CleverReachResponseError, CleverReachServerError, redact_emails, redact_urls,
)
from cleverreach.hooks import eventhooks, form
from cleverreach.hooks.bodies import BatchBodies
from cleverreach.hooks.paging import PageSize, chunks_by_length, paginate, paginate_sized
from cleverreach.hooks.responses import (RECEIVER_PAGE, BatchResult, ItemResult, decode, json_or_none, parse_aligned_results,
                                        retry_after)
from cleverreach.hooks.settings import MAX_BATCH_SIZE, CleverReachSettings
from cleverreach.hooks.transport import (API_PATH, BearerTokenAuth, CallBudget, TokenRenewal, api_root_of,
                                         build_retry_args, segment, send_capped, session_connection)
from cleverreach.lineage import record_call

if TYPE_CHECKING:
    from airflow.sdk import Connection

__all__ = ["BatchResult", "CleverReachHook", "CleverReachSettings", "ItemResult"]

TOKEN_EXPIRY_MARGIN = 60.0  # renew this many seconds before the token runs out
RECEIVER_ORDER = "registered asc"  # stable paging: a production connector pages by it; sign-ups land at the end
REPORT_STATES = frozenset({"sent", "opened", "notopened", "clicked", "notclicked", "bounced", "unsubscribed"})
JSON_BODY = {"Content-Type": "application/json"}  # the header of a body encoded ahead (hooks.bodies)


def request_label(request: requests.PreparedRequest) -> str:
    """``METHOD /path`` of a request for messages: no query (``email_list=...``), no e-mail address."""
    return redact_emails(f"{request.method} {urlsplit(request.url or '').path}")


class CleverReachHook(eventhooks.EventhookMixin, HttpHook):
    """
    Talks to one tenant's CleverReach account.

    :param cleverreach_conn_id: Airflow connection of type ``cleverreach``: login = OAuth client id,
        password = client secret, host = API root (default https://rest.cleverreach.com), extras as in
        :class:`~cleverreach.hooks.settings.CleverReachSettings`.
    :param retry_args: tenacity arguments (``stop``, ``wait``) instead of the ones built from the extras;
        the retry predicate (429, 5xx, connection and timeout errors) and the call deadline always apply.
    :param http_hook_kwargs: ``HttpHook`` arguments such as ``tcp_keep_alive``, ``adapter`` or ``method``
        (also what ``HttpOperator`` passes as ``hook_params``); ``auth_type`` is ignored: the auth is the token.
    """

    conn_name_attr = "cleverreach_conn_id"
    default_conn_name = "cleverreach_default"
    conn_type = "cleverreach"
    hook_name = "CleverReach"
    default_headers = {"Accept": "application/json", "User-Agent": f"airflow-provider-cleverreach/{__version__}"}

    def __init__(
        self,
        cleverreach_conn_id: str = default_conn_name,
        *,
        retry_args: dict[str, Any] | None = None,
        **http_hook_kwargs: Any,
    ) -> None:
        http_hook_kwargs.pop("auth_type", None)
        http_hook_kwargs.setdefault("method", "GET")
        super().__init__(http_conn_id=cleverreach_conn_id, auth_type=self._bearer_auth, **http_hook_kwargs)
        self.cleverreach_conn_id = cleverreach_conn_id
        self._retry_args = retry_args
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._budget: CallBudget | None = None  # the call in progress, for the token fetch's timeout
        self._batch_size_cap: int | None = None  # lowered after a 413, for the rest of the run
        self._report_page: PageSize | None = None  # report receivers: lowered after a refusal, for the run

    # ------------------------------------------------------------------ the connection form (Airflow 3.0/3.1)
    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Airflow 3.2+ reads ``conn-fields`` from the provider metadata instead; both come from the settings."""
        return form.form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return form.ui_field_behaviour()

    # ------------------------------------------------------------------ connection, settings, session
    @classmethod
    def checked_connection(cls, conn_id: str) -> Connection:
        """The stored connection, checked: type, credentials present, API root safe. Fails fast, naming it."""
        try:
            conn = super().get_connection(conn_id)
        except AirflowNotFoundException:
            raise CleverReachConfigError(f"connection {conn_id!r} is not defined") from None
        if conn.conn_type != cls.conn_type:
            raise CleverReachConfigError(
                f"connection {conn_id!r} has type {conn.conn_type!r}, not {cls.conn_type!r}: "
                "a CleverReach account is only used through a connection of type cleverreach"
            )
        if not conn.login or not conn.password:
            raise CleverReachConfigError(
                f"connection {conn_id!r} needs the OAuth client id (login) and client secret (password)"
            )
        mask_secret(conn.password)
        api_root_of(conn, conn_id)
        return conn

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """What ``HttpHook.get_conn`` builds the session from: the checked connection with the ``/v3`` root
        as host and only transport options as extras (see :func:`~cleverreach.hooks.transport.session_connection`).
        The stored connection itself is :attr:`connection`."""
        conn = cls.checked_connection(conn_id)
        settings = CleverReachSettings.from_extras(conn.extra_dejson, conn_id=conn_id)
        return session_connection(conn, settings, conn_id)

    @cached_property
    def connection(self) -> Connection:
        return self.checked_connection(self.cleverreach_conn_id)

    @cached_property
    def settings(self) -> CleverReachSettings:
        return CleverReachSettings.from_extras(self.connection.extra_dejson, conn_id=self.cleverreach_conn_id)

    @cached_property
    def api_root(self) -> str:
        return api_root_of(self.connection, self.cleverreach_conn_id)

    @cached_property
    def retry_args(self) -> dict[str, Any]:
        return build_retry_args(self._retry_args, self.settings, self.log)

    @cached_property
    def session(self) -> requests.Session:
        """``HttpHook.get_conn``'s session, once per hook (``run()`` builds a new one per call)."""
        return self.get_conn()

    def _bearer_auth(self, *_credentials: Any) -> BearerTokenAuth:
        """``HttpHook``'s ``auth_type``: the session sends the cached token, never the client credentials."""
        return BearerTokenAuth(self.get_token)

    def run_and_check(
        self, session: requests.Session, prepped_request: requests.PreparedRequest, extra_options: dict[Any, Any]
    ) -> requests.Response:
        """``HttpHook``'s send with its options (``timeout``, ``allow_redirects``, ``check_response``), except
        that the body is streamed and read up to ``max_response_bytes``, and a transport failure is a typed
        error whose text carries no URL query (``HttpHook`` logs the failing URL, e-mail lists included)."""
        response = send_capped(
            session,
            prepped_request,
            timeout=extra_options.get("timeout", self.settings.timeout),
            allow_redirects=extra_options.get("allow_redirects", True),
            limit=self.settings.max_response_bytes,
            label=request_label(prepped_request),
        )
        if extra_options.get("check_response", True):
            self.check_response(response)
        return response

    def check_response(self, response: requests.Response) -> None:
        """HttpHook's check, typed: no body in the log, no bare AirflowException."""
        if response.status_code >= 400:
            decode(response, request_label(response.request) if response.request else "request")

    # ------------------------------------------------------------------ token
    def get_token(self) -> str:
        """The cached access token, fetched anew shortly before it expires (one attempt: the call retries)."""
        if self._token is None or time.monotonic() >= self._token_expires_at:
            self._fetch_token()
        assert self._token is not None
        return self._token

    def invalidate_token(self) -> None:
        self._token, self._token_expires_at = None, 0.0

    def _fetch_token(self) -> None:
        conn = self.connection
        timeout = self._budget.request_timeout(self.settings.timeout) if self._budget else self.settings.timeout
        # The only request that carries the client secret: request-level Basic auth replaces the Bearer auth.
        token_request = requests.Request(
            "POST",
            f"{self.api_root}/oauth/token.php",
            data={"grant_type": "client_credentials"},
            auth=HTTPBasicAuth(conn.login, conn.password),
        )
        session = self.session
        response = self.run_and_check(
            session, session.prepare_request(token_request), {"timeout": timeout, "check_response": False}
        )
        if response.status_code == 429:
            raise CleverReachRateLimitError("CleverReach token endpoint rate limited", retry_after=retry_after(response))
        if response.status_code >= 500:
            raise CleverReachServerError(
                f"CleverReach token endpoint answered HTTP {response.status_code}", status=response.status_code
            )
        body = json_or_none(response)
        if response.status_code >= 400 or not isinstance(body, dict) or not body.get("access_token"):
            reason = body.get("error") if isinstance(body, dict) else None
            raise CleverReachAuthError(
                f"CleverReach rejected the client credentials of connection {self.cleverreach_conn_id!r} "
                f"(HTTP {response.status_code}{', ' + str(reason)[:100] if reason else ''})",
                status=response.status_code,
            )
        token = str(body["access_token"])
        mask_secret(token)
        expires_in = float(body.get("expires_in") or 3600)
        self._token = token
        self._token_expires_at = time.monotonic() + max(expires_in - TOKEN_EXPIRY_MARGIN, 0.0)
        self.log.info("Obtained a CleverReach access token for %s (valid %d s)", self.cleverreach_conn_id, expires_in)

    # ------------------------------------------------------------------ requests
    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                rows: msgspec.json.Decoder | None = None, body: bytes | None = None) -> Any:
        """
        Call ``/v3/<path>`` and return the decoded JSON body (``rows``: see ``responses.json_or_none``); errors are typed.
        ``body``: a JSON body already encoded (instead of ``json``).

        One budget per call: ``retry_attempts`` tries for 429, 5xx, connection and timeout errors (waiting
        as ``Retry-After`` says, else backing off), one token renewal after a 401, all within ``call_deadline``.
        """
        method = method.upper()
        path = path.lstrip("/")
        label = redact_emails(f"{method} /{API_PATH}/{path}")
        settings = self.settings
        session = self.session
        url = self.url_from_endpoint(path)
        budget = CallBudget(settings.call_deadline)

        def attempt() -> Any:
            timeout = budget.request_timeout(settings.timeout)
            # Preparing applies the Bearer auth, which may fetch the token (within this budget; a refused
            # client secret is final, not a reason to renew).
            prepped = session.prepare_request(requests.Request(method, url, params=params, json=json, data=body,
                                                               headers=JSON_BODY if body is not None else None))
            try:
                return decode(self.run_and_check(session, prepped, {"timeout": timeout}), label, rows)
            except CleverReachAuthError as exc:
                if exc.status == 401 and not isinstance(exc, CleverReachForbiddenError) and budget.renew():
                    self.invalidate_token()
                    raise TokenRenewal(label) from None
                raise

        args = self.retry_args
        retrying = Retrying(**{**args, "stop": budget.stop(args["stop"]), "wait": budget.wait(args["wait"])})
        self._budget = budget
        try:
            return record_call(self, method, path, retrying(attempt))  # hook lineage: cleverreach.lineage
        except CleverReachError as exc:
            if budget.deadline_hit:
                raise CleverReachDeadlineError(
                    f"CleverReach {label}: no success within the call deadline of {budget.seconds:g} s; last error: {exc}",
                    status=exc.status,
                ) from exc
            raise
        finally:
            self._budget = None

    # ------------------------------------------------------------------ pages and batches
    def _pages(self, path: str, params: dict[str, Any], page_size: int, rows: Any = None, *,
               prefetch: bool = False) -> Iterator[list[Any]]:
        return paginate(
            lambda page: self.request("GET", path, params={**params, "page": page, "pagesize": page_size}, rows=rows),
            label=redact_emails(f"GET /v3/{path}"), prefetch=prefetch,
        )

    @property
    def batch_size(self) -> int:
        """Items per bulk call: the extra ``batch_size``, lowered for the rest of the run after a 413."""
        return min(self.settings.batch_size, self._batch_size_cap or MAX_BATCH_SIZE)

    def _write_batches(self, path: str, items: Sequence[Any],
                       keys: Sequence[str] | None = None) -> Iterator[BatchResult]:
        """Send ``items`` in batches (each body built while the last is sent: ``hooks.bodies``); yield per-item
        results after each. A 413 halves the size from then on. ``keys``: see :class:`BatchBodies`."""
        if keys is not None and len(items) != len(keys):
            raise ValueError("items and keys must have the same length")
        start, index = 0, 0
        with BatchBodies(items, keys) as bodies:
            while start < len(items):
                chunk_keys, body = bodies.take(start, self.batch_size)
                try:
                    answer = self.request("POST", path, body=body)
                except CleverReachBatchTooLargeError:
                    if len(chunk_keys) == 1:
                        raise
                    self._batch_size_cap = len(chunk_keys) // 2
                    self.log.warning("CleverReach refused a batch of %d (413); batches of %d from now on",
                                     len(chunk_keys), self.batch_size)
                    continue
                index += 1
                start += len(chunk_keys)
                total = index + math.ceil((len(items) - start) / self.batch_size)
                yield BatchResult(index, total, parse_aligned_results(chunk_keys, answer, label=f"POST /v3/{path}"))

    # ------------------------------------------------------------------ login
    def validate_login(self) -> None:
        """Check the credentials and the token with the cheapest authenticated call."""
        if self.request("GET", "debug/validate") is False:
            raise CleverReachAuthError(f"CleverReach did not accept the token of connection {self.cleverreach_conn_id!r}")

    def whoami(self) -> dict[str, Any]:
        return self._object(self.request("GET", "debug/whoami"), "GET /v3/debug/whoami")

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's Test button (where ``[core] test_connection`` is enabled)."""
        try:
            self.validate_login()
        except CleverReachError as exc:
            return False, str(exc)
        except Exception as exc:  # the UI shows the message; nothing is raised there
            return False, f"{type(exc).__name__}: {redact_urls(str(exc))}"
        return True, f"Connection to CleverReach at {self.api_root} is valid"

    @staticmethod
    def _object(body: Any, label: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise CleverReachResponseError(f"{label}: expected an object, got {type(body).__name__}")
        return body

    @staticmethod
    def _list(body: Any, label: str) -> list[Any]:
        if not isinstance(body, list):
            raise CleverReachResponseError(f"{label}: expected a list, got {type(body).__name__}")
        return body

    # ------------------------------------------------------------------ groups
    def list_groups(self) -> list[dict[str, Any]]:
        return self._list(self.request("GET", "groups"), "GET /v3/groups")

    def get_group(self, group_id: str) -> dict[str, Any]:
        """One group; a 404 and an HTTP 200 ``[]`` (CleverReach's SDK reads it so) both mean "gone"."""
        body = self.request("GET", f"groups/{segment(group_id)}")
        if body in ([], {}, None, False):
            raise CleverReachNotFoundError(f"CleverReach group {group_id} not found (empty answer)", status=404)
        return self._object(body, "GET /v3/groups/{id}")

    def group_stats(self, group_id: str) -> dict[str, Any]:
        return self._object(self.request("GET", f"groups/{segment(group_id)}/stats"), "GET /v3/groups/{id}/stats")

    def create_group(self, name: str) -> dict[str, Any]:
        return self._object(self.request("POST", "groups", json={"name": name}), "POST /v3/groups")

    def delete_group(self, group_id: str) -> None:
        self.request("DELETE", f"groups/{segment(group_id)}")

    # ------------------------------------------------------------------ global attributes
    def list_global_attributes(self) -> list[dict[str, Any]]:
        body = self.request("GET", "attributes", params={"group_id": 0})
        return body if isinstance(body, list) else []

    def ensure_global_attributes(self, wanted: dict[str, str]) -> list[str]:
        """
        Create the global attributes (name → description) that do not exist yet; return the created names.

        A 409 means somebody created it meanwhile, which is fine. The create response was cut down by
        CleverReach (about 2023), so existence is checked by listing, not from that answer.
        """
        existing = {str(attr.get("name", "")).lower() for attr in self.list_global_attributes()}
        created: list[str] = []
        for name, description in wanted.items():
            if name.lower() in existing:
                continue
            try:
                self.request(
                    "POST",
                    "attributes",
                    json={"name": name, "type": "text", "description": description,
                          "preview_value": "", "default_value": ""},
                )
                created.append(name)
            except CleverReachConflictError:
                pass
        return created

    # ------------------------------------------------------------------ receivers
    def iter_receivers(self, group_id: str, *, receiver_type: str = "all", detail: int = 0, page_size: int | None = None,
                       rows: bool = False, prefetch: bool = False) -> Iterator[list[Any]]:
        """Pages of a group's receivers in a stable order (``registered asc``), each receiver once; dicts, or with
        ``rows`` :class:`~cleverreach.hooks.responses.ReceiverRow` (a page that does not fit them stays dicts).
        ``prefetch``: the next page is read while the caller works on this one (``hooks.paging.paginate``); the
        caller makes no other call on this hook until the read ends."""
        params = {"type": receiver_type, "detail": detail, "order_by": RECEIVER_ORDER}
        return self._pages(f"groups/{segment(group_id)}/receivers", params, page_size or self.settings.page_size,
                           RECEIVER_PAGE if rows else None, prefetch=prefetch)

    def get_receivers(
        self, group_id: str, *, ids: Sequence[str] | None = None, emails: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Read back specific receivers of a group by id and/or e-mail (chunked to keep URLs short). Empty values
        are left out: an empty ``id_list`` is no filter at all, and the group would be read whole."""
        found: dict[str, dict[str, Any]] = {}
        for param, values in (("id_list", ids), ("email_list", emails)):
            for chunk in chunks_by_length([text for v in values or () if (text := str(v).strip())]):
                params = {param: ",".join(chunk), "type": "all"}
                for page in self._pages(f"groups/{segment(group_id)}/receivers", params, min(len(chunk), self.settings.page_size)):
                    for receiver in page:
                        found.setdefault(str(receiver.get("id")), receiver)
        return list(found.values())

    def insert_receivers(self, group_id: str, receivers: Sequence[dict[str, Any]]) -> Iterator[BatchResult]:
        """New receivers only (``/receivers/insert``): an existing one is never touched. Keys: e-mails."""
        return self._write_batches(f"groups/{segment(group_id)}/receivers/insert", receivers)

    def upsert_receivers(self, group_id: str, receivers: Sequence[dict[str, Any]]) -> Iterator[BatchResult]:
        """Updates of existing receivers, matched by e-mail (``/receivers/upsert``). Keys: e-mails."""
        return self._write_batches(f"groups/{segment(group_id)}/receivers/upsert", receivers)

    def delete_receivers(self, group_id: str, receiver_ids: Sequence[str]) -> Iterator[BatchResult]:
        """Remove receivers from a group by id, the only verified form of the bulk delete. Keys: ids."""
        ids = [str(receiver_id) for receiver_id in receiver_ids]
        return self._write_batches(f"groups/{segment(group_id)}/receivers/delete", ids, ids)

    def deactivate_receiver(self, group_id: str, receiver_id: str) -> None:
        self._expect_true(self.request("PUT", f"groups/{segment(group_id)}/receivers/{segment(receiver_id)}/deactivate"), "deactivate")

    def activate_receiver(self, group_id: str, receiver_id: str) -> None:
        self._expect_true(self.request("PUT", f"groups/{segment(group_id)}/receivers/{segment(receiver_id)}/activate"), "activate")

    @staticmethod
    def _expect_true(body: Any, what: str) -> None:
        if body is not True and body != "true":
            raise CleverReachResponseError(
                f"PUT /v3/groups/{{id}}/receivers/{{id}}/{what}: expected true, got {type(body).__name__}"
            )

    # ------------------------------------------------------------------ mailings and reports
    def list_mailings(
        self, *, state: str = "finished", start: int | None = None, end: int | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Mailings of one state; the API answers with an object keyed by state."""
        params: dict[str, Any] = {"state": state, "limit": limit}
        if start is not None and end is not None:  # the API takes them only together
            params.update(start=int(start), end=int(end))
        body = self.request("GET", "mailings", params=params)
        if isinstance(body, dict):
            return list(body.get(state) or [])
        return self._list(body, "GET /v3/mailings")

    def get_mailing(self, mailing_id: str) -> dict[str, Any]:
        return self._object(self.request("GET", f"mailings/{segment(mailing_id)}"), "GET /v3/mailings/{id}")

    def report_links(self, mailing_id: str) -> dict[str, str]:
        """Link id -> URL of a mailing's links (``reports/{id}/stats/links``), to read clicks per link."""
        body = self.request("GET", f"reports/{segment(mailing_id)}/stats/links")
        links = body.get("links", []) if isinstance(body, dict) else body if isinstance(body, list) else []
        return {
            str(link.get("id")): str(link.get("link") or link.get("url") or "")
            for link in links
            if isinstance(link, dict) and link.get("id") not in (None, "")
        }

    def iter_report_receivers(
        self,
        mailing_id: str,
        state: str,
        *,
        detail: int = 1,
        page_size: int | None = None,
        link_id: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of the receivers of one report state; ``since``/``until`` (unix s) filter by event time. Pages as large
        as the server serves (:func:`~cleverreach.hooks.paging.paginate_sized`); ``page_size``: this read only."""
        if state not in REPORT_STATES:
            raise ValueError(f"unknown report state {state!r}")
        optional = {"linkid": link_id or None, "from": since, "to": until}
        params = {"detail": detail, **{k: v if k == "linkid" else int(v) for k, v in optional.items() if v is not None}}
        if page_size is None:
            self._report_page = self._report_page or PageSize(self.settings.report_page_size)
        path = f"reports/{segment(mailing_id)}/receivers/{state}"
        return paginate_sized(lambda page, size: self.request("GET", path, params={**params, "page": page, "pagesize": size}),
                              label=f"GET /v3/reports/{{id}}/receivers/{state}",
                              size=PageSize(page_size) if page_size else self._report_page, prefetch=True)
