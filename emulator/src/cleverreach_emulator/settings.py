"""Tunable behaviour of the emulator: every [U] of the reference is a setting here.

:data:`VARIANTS` lists, for each behaviour that the table "Corrections after a second review" of
``../shared/reference/cleverreach-api.md`` marks unknown, the plausible values with the default
(the best evidence) first, so that test suites can run a matrix over them. ``emulator/README.md``
gives the evidence for each.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["EmulatorSettings", "VARIANTS", "CHOICES"]

#: setting -> plausible values, default first (the integer clamps accept any non-negative int; 0 = off)
VARIANTS: dict[str, tuple] = {
    "delete_by": ("id", "id_or_email"),
    "global_attribute_scope": ("account", "group"),
    "insert_without_activated": ("active", "pending"),
    "activated_zero_on_existing": ("deactivate", "ignore", "pending"),
    "receivers_page_clamp": (0, 25),
    "report_page_clamp": (0, 25),
    "mailings_window_on": ("stamp", "started", "finished"),
    "mailings_limit_clamp": (0, 100),
    "clicks_without_linkid": ("all", "none"),
    "deleted_group_response": ("404", "empty_list"),
    "idn_spelling": ("as_written", "either", "punycode", "idna2003", "refused"),
    # ---- event hooks (webhooks), ../shared/reference/cleverreach-webhooks.md; README "Event hooks"
    # CORE1 ``callWithoutApiVersion`` and CORE3 post to ``hooks/eventhook`` on the bare host [C]; the
    # webhooks reference writes ``/v3/hooks/eventhook``: which path answers is [U]
    "eventhook_path": ("unversioned", "v3", "both"),
    # a ``condition`` that is no group of the account: every other group route answers 404 "invalid
    # group" [C]; a validation error (400) is as plausible for a body field [U]
    "eventhook_unknown_condition": ("404", "400"),
    # the answer of DELETE /hooks/eventhook/{event}: CORE3 ignores the body; most CleverReach deletes
    # answer a bare ``true`` [C]; a count or a 404 when nothing matched is [U]
    "eventhook_delete_response": ("true", "count", "404_if_none"),
    # where the call token travels: the shop handler reads the header ``X-CR-Calltoken`` (CORE3
    # ``get_request_calltoken``); that every call carries it there is [U]
    "webhook_token_in": ("header", "query", "body"),
    # ``{event, condition, payload: {pool_id, ...}}`` [C] (CORE3 ``Events_Handler``, ``WebHook``); the
    # rest of the payload is [U]
    "webhook_payload_shape": ("core", "minimal", "flat"),
    # CleverReach's REST API sends ids as strings, the core's handler uses ``pool_id`` untyped [U]
    "webhook_id_type": ("int", "string"),
    # the e-mail "may be encrypted" with the registration's secret [C]; the scheme is [U]
    "webhook_email": ("plain", "encrypted", "absent"),
    # delivery guarantees, retries, ordering, timeouts: [U] (keep a periodic reconciliation)
    "webhook_retries": (0, 3),
    "webhook_retry_delay": (1.0, 0.01),
    "webhook_duplicates": (0, 1),
    "webhook_order": ("in_order", "shuffled"),
    "webhook_timeout": (5.0, 1.0),
    # which changes fire events: changes made through the REST API itself [U]; a bounce ("no bounce
    # events" [C], but a bounce deactivates the receiver) [U]; a receiver created active [U]
    "webhook_api_changes": ("notify", "silent"),
    "webhook_bounce_event": ("none", "receiver.unsubscribed", "receiver.updated"),
    "webhook_new_active": ("created", "created_subscribed"),
}

#: every string setting with a closed set of values (the [U] ones above and older ones)
CHOICES: dict[str, tuple[str, ...]] = {
    **{name: values for name, values in VARIANTS.items() if isinstance(values[0], str)},
    "report_pagesize_policy": ("clamp", "reject"),
    "create_existing_policy": ("reject", "update"),
    "activate_blocked_response": ("true", "error"),
    "attribute_create_response": ("id", "full"),
}


@dataclass
class EmulatorSettings:
    """Tunable behaviour of the emulator.

    Values marked [U] are not known for the real service; the defaults are the
    most plausible reading of the reference.
    """

    #: Max items per bulk call (insert/upsert/upsertplus/update/delete); above -> 413. [C ~1000]
    batch_limit: int = 1000
    #: Max ``pagesize`` for ``GET /groups/{id}/receivers``; above -> 400. [C 5000]
    max_pagesize: int = 5000
    #: Default ``pagesize`` of receiver, report and bounce listings. [U, 50 per SDK/MC]
    default_pagesize: int = 50
    #: Max ``pagesize`` for ``GET /reports/{id}/receivers/{state}``. [C ~100]
    report_max_pagesize: int = 100
    #: What happens above ``report_max_pagesize``: "clamp" (serve the max) or "reject" (400). [U]
    report_pagesize_policy: str = "clamp"
    #: Lifetime of access tokens in seconds (``expires_in``). [C 30 days]
    token_ttl: int = 2592000
    #: Lifetime of refresh tokens in seconds. [U]
    refresh_token_ttl: int = 2592000
    #: Whether a client_credentials grant also returns a refresh_token. [U]
    client_credentials_refresh_token: bool = False
    #: ``scope`` string returned with tokens. [U]
    token_scope: str = "basic read write receivers reports mailings forms"
    #: Group stats are cached for this many seconds (0 = live). The real service caches. [C caching, U duration]
    stats_cache_ttl: int = 0
    #: Events kept per receiver (older ones are dropped). [C 250]
    events_limit: int = 250
    #: Default ``limit`` of ``GET /mailings``. [C 25]
    mailings_default_limit: int = 25
    #: Per-item result of ``insert`` for an email that already exists in the group. [U]
    insert_existing_message: str = "duplicate address '{email}'"
    #: Per-item result of ``update`` for an email that is not in the group. [U]
    update_unknown_message: str = "not found '{email}'"
    #: Per-item result of ``receivers/delete`` for an unknown email/id. [U]
    delete_unknown_message: str = "not found '{value}'"
    #: ``POST /groups/{id}/receivers`` with an existing email: "reject" (400) or "update". [U]
    create_existing_policy: str = "reject"
    #: ``PUT .../activate`` on a user-unsubscribed/bounced receiver: "true" (answer true, change nothing)
    #: or "error" (403). [U]
    activate_blocked_response: str = "true"
    #: Attribute create response: "id" (``{"id": n}``, post-2023 behaviour) or "full" (the object). [C id-only since 2023/09]
    attribute_create_response: str = "id"
    #: Max attributes (global + local) per account; 0 = unlimited. Above -> 403. [C/I ~40-45, plan dependent]
    max_attributes: int = 40
    #: A user unsubscribe also puts the email on the account blacklist. [C: an account setting]
    blacklist_on_unsubscribe: bool = False
    #: Entries kept in the request log.
    request_log_limit: int = 100000

    # ---- the [U] behaviours of the reference's corrections table (see VARIANTS and emulator/README.md)
    #: ``POST /groups/{gid}/receivers/delete`` items match receiver ids only ("id") or ids and e-mails.
    delete_by: str = "id"
    #: Global attribute values belong to the address across the account ("account") or to one membership.
    global_attribute_scope: str = "account"
    #: A NEW receiver written without ``activated`` is created "active" (activated = now) or "pending".
    insert_without_activated: str = "active"
    #: ``activated: 0`` in a bulk write for an EXISTING receiver: "deactivate", "ignore" or "pending".
    activated_zero_on_existing: str = "deactivate"
    #: ``GET /groups/{id}/receivers`` serves at most this many per page (0 = honour ``pagesize``).
    receivers_page_clamp: int = 0
    #: ``GET /reports/{id}/receivers/{state}`` serves at most this many per page (0 = the pagesize policy).
    report_page_clamp: int = 0
    #: The timestamp that ``GET /mailings`` ``start``/``end`` filter on: "stamp", "started" or "finished".
    mailings_window_on: str = "stamp"
    #: ``GET /mailings`` returns at most this many per state (0 = honour ``limit``).
    mailings_limit_clamp: int = 0
    #: ``GET /reports/{id}/receivers/clicked`` without ``linkid``: every clicker ("all") or "none".
    clicks_without_linkid: str = "all"
    #: ``GET /groups/{id}`` of a deleted or unknown group: "404" or "empty_list" (HTTP 200 ``[]``).
    deleted_group_response: str = "404"
    #: An address with an IDN domain (``anna@straße.de``, ``Jürgen@Bücher.example``), see ``cleverreach_emulator.idn``:
    #: "as_written" (stored as written, found only under that spelling, in any case), "either" (stored as
    #: written, found under either spelling of its domain), "punycode" (stored and returned with the domain in
    #: IDNA 2008 ``xn--`` form, found under either spelling), "idna2003" (stored folded by IDNA 2003,
    #: ``straße.de`` -> ``strasse.de``, found by its Unicode spelling, not by IDNA 2008's punycode) or
    #: "refused" (a non-ASCII address is invalid: a per-item refusal on insert/upsert, 400 on a single create).
    idn_spelling: str = "as_written"
    # ---- event hooks (README "Event hooks"; the evidence is in the comments of VARIANTS)
    #: Which path registers, lists and deletes event hooks: "unversioned" (``/hooks/eventhook`` only),
    #: "v3" (``/v3/hooks/eventhook`` only) or "both".
    eventhook_path: str = "unversioned"
    #: Registration with a ``condition`` that is no group of the account: "404" or "400".
    eventhook_unknown_condition: str = "404"
    #: ``DELETE /hooks/eventhook/{event}``: "true" (always ``true``), "count" (``{"success": true,
    #: "deleted": n}``) or "404_if_none" (``true``, 404 when nothing matched).
    eventhook_delete_response: str = "true"
    #: Where a delivery carries the call token: "header" (``X-CR-Calltoken``), "query" (``?call_token=``)
    #: or "body" (a ``call_token`` field of the JSON body).
    webhook_token_in: str = "header"
    #: The JSON body of a delivery: "core" (``{event, condition, payload: {pool_id, group_id, email}}``),
    #: "minimal" (``{event, condition, payload: {pool_id}}``) or "flat" (the payload's fields at the top).
    webhook_payload_shape: str = "core"
    #: ``pool_id`` and ``group_id`` in a delivery: JSON numbers ("int") or strings ("string").
    webhook_id_type: str = "int"
    #: The e-mail in a delivery: "plain", "encrypted" (an opaque stand-in made with the registration's
    #: secret, see ``webhook_delivery.encrypt_email``) or "absent".
    webhook_email: str = "plain"
    #: A failed delivery (non-2xx, connection error, timeout) is retried this many times (0 = never).
    webhook_retries: int = 0
    #: Seconds before retry n (n x this value).
    webhook_retry_delay: float = 1.0
    #: Every event is delivered this many extra times (at-least-once delivery).
    webhook_duplicates: int = 0
    #: Deliveries of a batch "in_order" or "shuffled" (seeded, repeatable after a reset).
    webhook_order: str = "in_order"
    #: Seconds a delivery (and the registration's verification call) may take.
    webhook_timeout: float = 5.0
    #: Changes made through the REST API fire events ("notify") or only user-side ones do ("silent").
    webhook_api_changes: str = "notify"
    #: What a bounce that deactivates an active receiver fires: "none", "receiver.unsubscribed" or
    #: "receiver.updated".
    webhook_bounce_event: str = "none"
    #: A receiver created active fires "created" (``receiver.created``) or "created_subscribed" (also
    #: ``receiver.subscribed``).
    webhook_new_active: str = "created"
    #: Delivery attempts kept in the control API's log.
    webhook_log_limit: int = 100000

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def updated(self, changes: dict | None) -> "EmulatorSettings":
        """Return a validated copy with ``changes`` applied (ValueError on bad input)."""
        if not changes:
            return dataclasses.replace(self)
        if not isinstance(changes, dict):
            raise ValueError("settings must be an object")
        names = {f.name: f for f in dataclasses.fields(self)}
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in names:
                raise ValueError(f"unknown setting {key!r}")
            default = getattr(type(self)(), key)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"setting {key!r} must be a boolean")
            elif isinstance(default, float):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"setting {key!r} must be a non-negative number")
                value = float(value)
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"setting {key!r} must be a non-negative integer")
            elif isinstance(default, str):
                if not isinstance(value, str):
                    raise ValueError(f"setting {key!r} must be a string")
                if key in CHOICES and value not in CHOICES[key]:
                    raise ValueError(f"setting {key!r} must be one of {CHOICES[key]}")
            clean[key] = value
        for key in ("batch_limit", "max_pagesize", "report_max_pagesize", "default_pagesize"):
            if clean.get(key, 1) == 0:
                raise ValueError(f"setting {key!r} must be positive")
        return dataclasses.replace(self, **clean)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
