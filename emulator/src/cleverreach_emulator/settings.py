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
