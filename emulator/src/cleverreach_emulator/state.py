"""In-memory model of a CleverReach installation (no web framework imports).

The :class:`State` object holds every account of the emulator together with
its tokens, groups, receivers, attributes, mailings/reports, bounces and
blacklist.  All public methods take one re-entrant lock, so the state may be
used from the server thread and from test threads at the same time.

Behaviour follows ``../shared/reference/cleverreach-api.md`` (section 11 is
the contract).  Where the reference marks something as unknown ``[U]`` the
behaviour is a field of :class:`EmulatorSettings`; the field docstrings say so.

Errors are raised as :class:`ApiError` (HTTP status + CleverReach style
message such as ``"Not Found: invalid receiver"``); the web layer turns them
into ``{"error": {"code": ..., "message": ...}}`` bodies.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import gc
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

__all__ = [
    "ApiError",
    "RawJSON",
    "EmulatorSettings",
    "State",
    "is_valid_email",
    "token_fingerprint",
]

# --------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------


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
    #: ``activated: 0`` sent for an *existing* receiver makes it pending again (True) or is ignored (False). [U]
    activated_zero_deactivates_existing: bool = False
    #: Attribute create response: "id" (``{"id": n}``, post-2023 behaviour) or "full" (the object). [C id-only since 2023/09]
    attribute_create_response: str = "id"
    #: Max attributes (global + local) per account; 0 = unlimited. Above -> 403. [C/I ~40-45, plan dependent]
    max_attributes: int = 40
    #: A user unsubscribe also puts the email on the account blacklist. [C: an account setting]
    blacklist_on_unsubscribe: bool = False
    #: Entries kept in the request log.
    request_log_limit: int = 100000

    _CHOICES = {
        "report_pagesize_policy": ("clamp", "reject"),
        "create_existing_policy": ("reject", "update"),
        "activate_blocked_response": ("true", "error"),
        "attribute_create_response": ("id", "full"),
    }

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
                if key in self._CHOICES and value not in self._CHOICES[key]:
                    raise ValueError(f"setting {key!r} must be one of {self._CHOICES[key]}")
            clean[key] = value
        for key in ("batch_limit", "max_pagesize", "report_max_pagesize", "default_pagesize"):
            if clean.get(key, 1) == 0:
                raise ValueError(f"setting {key!r} must be positive")
        return dataclasses.replace(self, **clean)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


class ApiError(Exception):
    """An API error: ``status`` and CleverReach style ``message``."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.status, "message": self.message}}


class OAuthError(Exception):
    """An OAuth2 error for the token endpoint (``{"error", "error_description"}``)."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


_EMAIL_BAD_CHARS = re.compile(r'[\s,;<>()\[\]\\"]')


def is_valid_email(email: Any) -> bool:
    """Reasonable syntax check: one ``@``, non-empty local part, a dotted domain,
    no whitespace or list separators. Unicode / IDN addresses are accepted."""
    if not isinstance(email, str):
        return False
    email = email.strip()
    if not email or len(email) > 254 or email.count("@") != 1:
        return False
    if _EMAIL_BAD_CHARS.search(email):
        return False
    local, domain = email.split("@")
    if not local or not domain or len(local) > 64:
        return False
    if local[0] == "." or local[-1] == "." or ".." in local:
        return False
    if "." not in domain or ".." in domain or domain[0] in ".-" or domain[-1] in ".-":
        return False
    if len(domain.rsplit(".", 1)[1]) < 2:
        return False
    return True


def token_fingerprint(token: str | None) -> str | None:
    if not token:
        return None
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


class RawJSON(str):
    """An already serialised JSON document (returned by the hot paths when ``raw=True``)."""


_enc = json.encoder.encode_basestring  # C accelerated; same output as json.dumps(ensure_ascii=False)

_REC_FMT = ('{"id":%s,"email":%s,"group_id":%s,"registered":%d,"activated":%d,"deactivated":%d,'
            '"bounced":%d,"imported":%d,"last_changed":%d,"last_ip":%s,"last_location":%s,'
            '"last_client":%s,"points":%d,"stars":%d,"source":%s,"active":%s,"conversion_rate":0,'
            '"open_rate":%s,"click_rate":%s,"attributes":%s,"global_attributes":%s')


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _attr_spec(pool: dict) -> tuple[list, str]:
    spec = [(a.id, _enc(a.name)) for a in pool.values()]
    return spec, "{" + ",".join([n + ':""' for _, n in spec]) + "}"


def _vals_json(vals: dict | None, spec: list, empty: str) -> str:
    if not vals or not spec:
        return empty
    get = vals.get
    return "{" + ",".join([n + ":" + _enc(get(aid, "")) for aid, n in spec]) + "}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _as_int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _norm_attr_name(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip()).lower()


def _attr_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


# --------------------------------------------------------------------------
# model objects
# --------------------------------------------------------------------------


class Token:
    __slots__ = ("value", "account", "kind", "issued", "expires", "revoked")

    def __init__(self, value: str, account: "Account", kind: str, issued: int, expires: int):
        self.value = value
        self.account = account
        self.kind = kind
        self.issued = issued
        self.expires = expires
        self.revoked = False


class Attribute:
    __slots__ = ("id", "group", "name", "description", "preview_value", "default_value", "type")

    def __init__(self, aid: int, group: "Group | None", name: str, type_: str = "text",
                 description: str = "", preview_value: str = "", default_value: str = ""):
        self.id = aid
        self.group = group
        self.name = name
        self.type = type_
        self.description = description
        self.preview_value = preview_value
        self.default_value = default_value

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "groups_id": int(self.group.id) if self.group is not None and self.group.id.isdigit()
            else (self.group.id if self.group is not None else 0),
            "name": self.name,
            "description": self.description,
            "preview_value": self.preview_value,
            "value": None,
            "type": self.type,
            "tag": "{" + self.name.upper() + "}",
        }


class Receiver:
    """One membership of an email in a group (CleverReach "pool" entry)."""

    __slots__ = (
        "id", "email", "key", "group", "registered", "activated", "deactivated", "bounced",
        "imported", "last_changed", "source", "gattrs", "lattrs", "tags", "events", "orders",
        "user_unsub", "last_ip", "last_location", "last_client", "points", "stars", "deleted",
        "n_sent", "n_open", "n_click",
    )

    def __init__(self, rid: str, email: str, group: "Group"):
        self.id = rid
        self.email = email
        self.key = email.lower()
        self.group = group
        self.registered = 0
        self.activated = 0
        self.deactivated = 0
        self.bounced = 0
        self.imported = 0
        self.last_changed = 0
        self.source = ""
        self.gattrs: dict | None = None  # attribute id -> value
        self.lattrs: dict | None = None
        self.tags: list | None = None
        self.events: list | None = None  # tuples (stamp, type, type_id, value, mailing_id, groups_id)
        self.orders: list | None = None
        self.user_unsub = False
        self.last_ip = ""
        self.last_location = ""
        self.last_client = ""
        self.points = 0
        self.stars = 0
        self.deleted = False
        self.n_sent = 0
        self.n_open = 0
        self.n_click = 0

    @property
    def active(self) -> bool:
        return self.activated > 0 and self.deactivated == 0 and self.bounced == 0

    @property
    def locked(self) -> bool:
        """User-unsubscribed or bounced: API writes cannot reactivate it."""
        return self.user_unsub or self.bounced > 0


class Group:
    __slots__ = ("id", "account", "name", "receiver_info", "locked", "backup", "stamp",
                 "last_mailing", "last_changed", "receivers", "by_email", "attrs",
                 "version", "snaps", "stats_cache", "attr_idx")

    def __init__(self, gid: str, account: "Account", name: str, stamp: int):
        self.id = gid
        self.account = account
        self.name = name
        self.receiver_info = ""
        self.locked = False
        self.backup = True
        self.stamp = stamp
        self.last_mailing = 0
        self.last_changed = stamp
        self.receivers: dict[str, Receiver] = {}
        self.by_email: dict[str, Receiver] = {}
        self.attrs: dict[int, Attribute] = {}
        self.version = 0
        self.snaps: dict = {}
        self.stats_cache: tuple | None = None
        self.attr_idx: dict | None = None

    def touch(self, now: int | None = None) -> None:
        self.version += 1
        if self.snaps:
            self.snaps = {}
        if now is not None:
            self.last_changed = now

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "locked": self.locked,
            "backup": self.backup,
            "receiver_info": self.receiver_info,
            "stamp": self.stamp,
            "last_mailing": self.last_mailing,
            "last_changed": self.last_changed,
        }


class Recipient:
    """One receiver of a sent mailing, as the report keeps it."""

    __slots__ = ("receiver", "sent", "opened", "clicks", "bounced", "unsubscribed")

    def __init__(self, receiver: Receiver, sent: int):
        self.receiver = receiver
        self.sent = sent
        self.opened = 0
        self.clicks: list | None = None  # [(link_id, stamp)]
        self.bounced = 0
        self.unsubscribed = 0


MAILING_STATES = ("draft", "finished", "waiting", "running")


class Mailing:
    __slots__ = ("id", "account", "name", "subject", "sender_name", "sender_email", "state",
                 "stamp", "last_changed", "started", "finished", "group_ids", "links",
                 "body_html", "body_text", "recipients", "by_key", "version", "cache")

    def __init__(self, mid: str, account: "Account"):
        self.id = mid
        self.account = account
        self.name = ""
        self.subject = ""
        self.sender_name = ""
        self.sender_email = ""
        self.state = "draft"
        self.stamp = 0
        self.last_changed = 0
        self.started = 0
        self.finished = 0
        self.group_ids: list[str] = []
        self.links: list[dict] = []
        self.body_html = ""
        self.body_text = ""
        self.recipients: list[Recipient] = []
        self.by_key: dict[str, Recipient] = {}
        self.version = 0
        self.cache: dict = {}

    def touch(self) -> None:
        self.version += 1
        self.cache = {}

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "subject": self.subject,
            "sender_name": self.sender_name,
            "sender_email": self.sender_email,
            "category_id": "0",
            "m_type": "html/text",
            "type_name": "Mailing",
            "position": "0",
            "is_fixed": False,
            "is_mailing": True,
            "is_campaign": False,
            "is_dynamic": False,
            "is_splittest": False,
            "is_trackable": True,
            "is_html": bool(self.body_html),
            "is_text": bool(self.body_text),
            "external_id": "",
            "unsubscribe_link": "",
            "last_version_id": "0",
            "body_html": self.body_html,
            "body_text": self.body_text,
            "stamp": self.stamp,
            "last_changed": self.last_changed,
            "started": self.started,
            "finished": self.finished,
            "ready": self.started,
            "send_on": self.started,
            "state": self.state,
            "mailing_groups": {"group_ids": list(self.group_ids), "filter_ids": []},
        }


class Account:
    def __init__(self, client_id: str, client_secret: str, account_id: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.account_id = account_id
        self.info: dict[str, Any] = {}
        self.groups: dict[str, Group] = {}
        self.attrs: dict[int, Attribute] = {}  # global attributes
        self.mailings: dict[str, Mailing] = {}
        self.bounces: dict[str, dict] = {}
        self.blacklist: dict[str, dict] = {}
        self.tokens: list[Token] = []
        self.attr_idx: dict | None = None

    def attr_by_name(self, name: str, group: Group | None = None) -> Attribute | None:
        pool = self.attrs if group is None else group.attrs
        for a in pool.values():
            if a.name == name:
                return a
        return None

    def whoami(self) -> dict:
        i = self.info
        return {
            "id": self.account_id,
            "name": i.get("lastname", i.get("name", "")),
            "firstname": i.get("firstname", ""),
            "salutation": i.get("salutation", ""),
            "street": i.get("street", ""),
            "zip": i.get("zip", ""),
            "city": i.get("city", ""),
            "company": i.get("company", i.get("name", "")),
            "phone": i.get("phone", ""),
            "fax": i.get("fax", ""),
            "email": i.get("email", ""),
            "country": i.get("country", "DE"),
            "login_domain": i.get("login_domain", f"{self.account_id}.eu2.cleverreach.com"),
            "whitelabel_id": "0",
            "lang": i.get("lang", "de"),
        }


_RECEIVER_ORDER_FIELDS = {
    "id": lambda r: int(r.id) if r.id.isdigit() else 0,
    "email": lambda r: r.key,
    "registered": lambda r: r.registered,
    "activated": lambda r: r.activated,
    "deactivated": lambda r: r.deactivated,
    "bounced": lambda r: r.bounced,
    "imported": lambda r: r.imported,
    "last_changed": lambda r: r.last_changed,
    "points": lambda r: r.points,
    "stars": lambda r: r.stars,
}

_TYPE_FILTERS = {
    "all": None,
    "active": lambda r: r.active,
    "inactive": lambda r: not r.active and r.bounced == 0,
    "bounce": lambda r: r.bounced > 0,
}

REPORT_STATES = ("sent", "opened", "notopened", "clicked", "notclicked", "bounced", "unsubscribed")

ATTRIBUTE_TYPES = ("text", "number", "gender", "date")


# --------------------------------------------------------------------------
# the state
# --------------------------------------------------------------------------


class State:
    """The whole emulator: accounts, tokens and data, guarded by ``self.lock``."""

    def __init__(self, settings: EmulatorSettings | dict | None = None, seed: Any = None):
        if isinstance(settings, dict):
            settings = EmulatorSettings().updated(settings)
        self.base_settings: EmulatorSettings = settings or EmulatorSettings()
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.reset(seed)

    # ------------------------------------------------------------------ basics

    def now(self) -> int:
        return int(time.time() + self.clock_offset)

    def now_float(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> int:
        with self.lock:
            self.clock_offset += float(seconds)
            return self.now()

    def set_clock(self, timestamp: float | None) -> int:
        with self.lock:
            self.clock_offset = 0.0 if timestamp is None else float(timestamp) - time.time()
            return self.now()

    def reset(self, seed: Any = None) -> None:
        """Replace all data with ``seed`` (dict, JSON path or None)."""
        from .seed import load_seed

        data = load_seed(seed)
        gc.unfreeze()
        with self.lock:
            self.settings = self.base_settings.updated(data.get("settings"))
            self.accounts: dict[str, Account] = {}
            self.accounts_by_id: dict[str, Account] = {}
            self.tokens: dict[str, Token] = {}
            self.refresh_tokens: dict[str, Token] = {}
            self.groups: dict[str, Group] = {}
            self.receivers: dict[str, Receiver] = {}
            self.attributes: dict[int, Attribute] = {}
            self.mailings: dict[str, Mailing] = {}
            self.clock_offset = 0.0
            self._next = {"account": 100001, "group": 1001, "receiver": 3000001,
                          "attribute": 1111701, "mailing": 5001}
            self._reserve_ids(data)
            for acc in data.get("accounts", []):
                self._load_account(acc)
            self._gc_settle(len(self.receivers))

    def update_settings(self, changes: dict) -> EmulatorSettings:
        with self.lock:
            self.settings = self.settings.updated(changes)
            return self.settings

    def _reserve_ids(self, data: dict) -> None:
        """Make generated ids start above every explicit id of the seed."""
        def bump(kind: str, value: Any) -> None:
            if value is not None and str(value).isdigit():
                self._next[kind] = max(self._next[kind], int(value) + 1)

        for acc in data.get("accounts", []):
            bump("account", acc.get("account_id"))
            for a in acc.get("attributes", []):
                bump("attribute", a.get("id"))
            for g in acc.get("groups", []):
                bump("group", g.get("id"))
                for a in g.get("attributes", []):
                    bump("attribute", a.get("id"))
                for r in g.get("receivers", []):
                    bump("receiver", r.get("id"))
            for m in acc.get("mailings", []):
                bump("mailing", m.get("id"))

    def _new_id(self, kind: str, used: dict) -> str:
        while True:
            value = self._next[kind]
            self._next[kind] += 1
            if str(value) not in used:
                return str(value)

    # ------------------------------------------------------------------ seeding

    def _load_account(self, acc: dict) -> Account:
        from .seed import SeedError

        cid = acc["client_id"]
        if cid in self.accounts:
            raise SeedError(f"duplicate client_id {cid!r}")
        account_id = str(acc["account_id"]) if acc.get("account_id") is not None else \
            self._new_id("account", self.accounts_by_id)
        if account_id in self.accounts_by_id:
            raise SeedError(f"duplicate account_id {account_id!r}")
        account = Account(cid, acc["client_secret"], account_id)
        account.info = {k: v for k, v in acc.items()
                        if k not in ("client_id", "client_secret", "account_id", "attributes",
                                     "groups", "mailings", "blacklist")}
        self.accounts[cid] = account
        self.accounts_by_id[account_id] = account
        for a in acc.get("attributes", []):
            self._create_attribute(account, None, a, check_limit=False, explicit_id=a.get("id"))
        for g in acc.get("groups", []):
            self._load_group(account, g)
        for m in acc.get("mailings", []):
            self._load_mailing(account, m)
        for b in acc.get("blacklist", []):
            email = b if isinstance(b, str) else b["email"]
            account.blacklist[email.strip().lower()] = {
                "email": email.strip(), "comment": "" if isinstance(b, str) else b.get("comment", ""),
                "stamp": self.now()}
        return account

    def _load_group(self, account: Account, g: dict) -> Group:
        from .seed import SeedError

        now = self.now()
        gid = str(g["id"]) if g.get("id") is not None else self._new_id("group", self.groups)
        if gid in self.groups:
            raise SeedError(f"duplicate group id {gid!r}")
        group = Group(gid, account, g["name"], _as_int(g.get("stamp"), now))
        group.receiver_info = g.get("receiver_info", "")
        group.locked = bool(g.get("locked", False))
        group.backup = bool(g.get("backup", True))
        group.last_changed = _as_int(g.get("last_changed"), group.stamp)
        self.groups[gid] = group
        account.groups[gid] = group
        for a in g.get("attributes", []):
            self._create_attribute(account, group, a, check_limit=False, explicit_id=a.get("id"))
        for r in g.get("receivers", []):
            self._load_receiver(group, r, now)
        return group

    def _load_receiver(self, group: Group, r: dict, now: int) -> Receiver:
        from .seed import SeedError

        email = r["email"].strip()
        key = email.lower()
        if key in group.by_email:
            raise SeedError(f"duplicate email {email!r} in group {group.id}")
        rid = str(r["id"]) if r.get("id") is not None else self._new_id("receiver", self.receivers)
        if rid in self.receivers:
            raise SeedError(f"duplicate receiver id {rid!r}")
        rec = Receiver(rid, email, group)
        rec.registered = _as_int(r.get("registered"), now)
        rec.activated = _as_int(r.get("activated"), rec.registered) if "activated" in r else rec.registered
        rec.deactivated = _as_int(r.get("deactivated"))
        rec.bounced = _as_int(r.get("bounced"))
        rec.imported = _as_int(r.get("imported"))
        rec.user_unsub = bool(r.get("unsubscribed", False))
        if rec.user_unsub and not rec.deactivated:
            rec.deactivated = rec.registered or now
        rec.last_changed = _as_int(r.get("last_changed"), max(rec.registered, rec.activated,
                                                            rec.deactivated, rec.bounced))
        rec.source = r.get("source", "")
        for k in ("last_ip", "last_location", "last_client"):
            setattr(rec, k, str(r.get(k, "")))
        rec.points = _as_int(r.get("points"))
        rec.stars = _as_int(r.get("stars"))
        account = group.account
        for name, value in (r.get("global_attributes") or {}).items():
            a = account.attr_by_name(_norm_attr_name(name))
            if a is None:
                raise SeedError(f"receiver {email!r}: unknown global attribute {name!r}")
            if _attr_value(value) != "":
                if rec.gattrs is None:
                    rec.gattrs = {}
                rec.gattrs[a.id] = _attr_value(value)
        for name, value in (r.get("attributes") or {}).items():
            a = account.attr_by_name(_norm_attr_name(name), group)
            if a is None:
                raise SeedError(f"receiver {email!r}: unknown attribute {name!r} of group {group.id}")
            if _attr_value(value) != "":
                if rec.lattrs is None:
                    rec.lattrs = {}
                rec.lattrs[a.id] = _attr_value(value)
        tags = [str(t) for t in r.get("tags") or []]
        rec.tags = tags or None
        rec.orders = [dict(o) for o in r.get("orders") or []] or None
        for ev in r.get("events") or []:
            self._add_event(rec, (_as_int(ev.get("stamp"), now), str(ev.get("type", "api")),
                                  str(ev.get("type_id", "")), str(ev.get("value", "")),
                                  str(ev.get("mailing_id", "0")), group.id))
        group.receivers[rid] = rec
        group.by_email[key] = rec
        self.receivers[rid] = rec
        if rec.bounced and key not in account.bounces:
            self._bounce_entry(account, email, rec.bounced, "hardbounce",
                               "smtp; 550 5.1.1 user unknown", None)
        return rec

    def _load_mailing(self, account: Account, m: dict) -> Mailing:
        from .seed import SeedError

        now = self.now()
        mid = str(m["id"]) if m.get("id") is not None else self._new_id("mailing", self.mailings)
        if mid in self.mailings:
            raise SeedError(f"duplicate mailing id {mid!r}")
        mailing = Mailing(mid, account)
        for k in ("name", "subject", "sender_name", "sender_email", "body_html", "body_text"):
            setattr(mailing, k, m.get(k, "") or "")
        if not mailing.sender_email:
            mailing.sender_email = account.info.get("email", "")
        if not mailing.sender_name:
            mailing.sender_name = account.info.get("name", "")
        if not mailing.body_html and not mailing.body_text:
            mailing.body_html = f"<html><body><h1>{mailing.subject}</h1></body></html>"
            mailing.body_text = mailing.subject
        mailing.state = m.get("state", "finished" if m.get("finished") else "draft")
        mailing.stamp = _as_int(m.get("stamp"), now)
        mailing.started = _as_int(m.get("started"))
        mailing.finished = _as_int(m.get("finished"))
        if mailing.state == "finished":
            if not mailing.finished:
                mailing.finished = mailing.started or mailing.stamp
            if not mailing.started:
                mailing.started = mailing.finished
        mailing.last_changed = _as_int(m.get("last_changed"),
                                       max(mailing.stamp, mailing.started, mailing.finished))
        for gid in m.get("group_ids", []):
            g = self.groups.get(str(gid))
            if g is None or g.account is not account:
                raise SeedError(f"mailing {mid}: unknown group {gid!r}")
            mailing.group_ids.append(str(gid))
        mailing.links = [{"id": str(link.get("id", i + 1)), "url": link.get("url", link.get("link", ""))}
                         for i, link in enumerate(m.get("links", []))]
        self.mailings[mid] = mailing
        account.mailings[mid] = mailing
        if mailing.state in ("finished", "running"):
            sent = mailing.started or mailing.finished or mailing.stamp
            recipients = m.get("recipients")
            if recipients is None:
                if mailing.state == "finished":
                    self._send_to_active(mailing, sent)
            else:
                for item in recipients:
                    rec = self._mailing_receiver(mailing, item["email"])
                    if rec is None:
                        raise SeedError(f"mailing {mid}: {item['email']!r} is not in its groups")
                    rcp = self._add_recipient(mailing, rec, sent)
                    if item.get("opened"):
                        self._record_open(mailing, rcp, _as_int(item["opened"]))
                    for click in item.get("clicks") or []:
                        self._record_click(mailing, rcp, str(click.get("link_id", "")),
                                           _as_int(click.get("stamp"), sent))
                    if item.get("bounced"):
                        self._record_bounce(mailing, rcp, _as_int(item["bounced"]),
                                            item.get("bounce_category", "hardbounce"),
                                            item.get("bounce_message"))
                    if item.get("unsubscribed"):
                        self._record_unsubscribe(mailing, rcp, _as_int(item["unsubscribed"]))
            for gid in mailing.group_ids:
                g = self.groups[gid]
                g.last_mailing = max(g.last_mailing, mailing.finished or sent)
        return mailing

    # ------------------------------------------------------------------ events

    def _add_event(self, rec: Receiver, ev: tuple) -> None:
        evs = rec.events
        if evs is None:
            rec.events = [ev]
            return
        if evs and ev[0] < evs[-1][0]:
            bisect.insort_right(evs, ev, key=lambda e: e[0])
        else:
            evs.append(ev)
        limit = self.settings.events_limit
        if len(evs) > limit:
            del evs[: len(evs) - limit]

    @staticmethod
    def _event_json(ev: tuple) -> dict:
        return {"stamp": ev[0], "type": ev[1], "type_id": ev[2], "value": ev[3],
                "mailing_id": ev[4], "groups_id": ev[5]}

    # ------------------------------------------------------------------ tokens / oauth

    def _make_access_token(self, account: Account, now: int) -> str:
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        payload = _b64(json.dumps({
            "iss": "rest.cleverreach.com", "sub": account.account_id,
            "client_id": account.account_id, "shard": "shard1", "zone": 1,
            "scopes": self.settings.token_scope, "iat": now, "exp": now + self.settings.token_ttl,
            "jti": secrets.token_hex(8)}, separators=(",", ":")).encode())
        return f"{header}.{payload}.{_b64(secrets.token_bytes(32))}"

    def _issue(self, account: Account, with_refresh: bool) -> dict:
        now = self.now()
        value = self._make_access_token(account, now)
        tok = Token(value, account, "access", now, now + self.settings.token_ttl)
        self.tokens[value] = tok
        account.tokens.append(tok)
        out = {"access_token": value, "token_type": "bearer", "expires_in": self.settings.token_ttl,
               "scope": self.settings.token_scope}
        if with_refresh:
            rvalue = secrets.token_urlsafe(32)
            rtok = Token(rvalue, account, "refresh", now, now + self.settings.refresh_token_ttl)
            self.refresh_tokens[rvalue] = rtok
            account.tokens.append(rtok)
            out["refresh_token"] = rvalue
        return out

    def client_account(self, client_id: str | None, client_secret: str | None) -> Account:
        account = self.accounts.get(client_id or "")
        if account is None or not client_secret or not secrets.compare_digest(
                account.client_secret.encode(), str(client_secret).encode()):
            raise OAuthError(401, "invalid_client", "The client credentials are invalid")
        return account

    def oauth_token(self, params: dict, basic: tuple[str, str] | None) -> dict:
        """Handle ``POST /oauth/token.php``; raises :class:`OAuthError`."""
        with self.lock:
            grant = params.get("grant_type")
            if basic is not None:
                client_id, client_secret = basic
            else:
                client_id, client_secret = params.get("client_id"), params.get("client_secret")
            if not grant:
                raise OAuthError(400, "invalid_request",
                                 "The grant type was not specified in the request")
            if grant not in ("client_credentials", "refresh_token", "authorization_code"):
                raise OAuthError(400, "unsupported_grant_type",
                                 "The grant type is unsupported by the authorization server")
            if grant == "refresh_token" and not client_id and params.get("refresh_token"):
                # some clients only send the refresh token; accept when it is valid
                rtok = self.refresh_tokens.get(str(params["refresh_token"]))
                if rtok is not None:
                    client_id, client_secret = rtok.account.client_id, rtok.account.client_secret
            account = self.client_account(client_id, client_secret)
            if grant == "client_credentials":
                return self._issue(account, self.settings.client_credentials_refresh_token)
            if grant == "authorization_code":
                if not str(params.get("code") or "").strip():
                    raise OAuthError(400, "invalid_grant", "Authorization code is missing or invalid")
                return self._issue(account, True)
            value = str(params.get("refresh_token") or "")
            rtok = self.refresh_tokens.get(value)
            if (rtok is None or rtok.account is not account or rtok.revoked
                    or rtok.expires <= self.now()):
                raise OAuthError(400, "invalid_grant", "Invalid refresh token")
            rtok.revoked = True  # rotation: a refresh token can be used once
            return self._issue(account, True)

    def lookup_token(self, value: str | None) -> Token | None:
        if not value:
            return None
        return self.tokens.get(value)

    def authenticate(self, value: str | None) -> Account:
        """Account of a valid access token, else ApiError 401."""
        with self.lock:
            tok = self.tokens.get(value or "")
            if tok is None or tok.revoked or tok.expires <= self.now():
                raise ApiError(401, "Unauthorized")
            return tok.account

    def token_ttl(self, value: str) -> dict:
        with self.lock:
            tok = self.tokens[value]
            return {"ttl": max(0, tok.expires - self.now()), "date": _iso(tok.expires)}

    def exchange_token(self, value: str) -> dict:
        """``GET /debug/exchange``: new token pair; the old access token stops working."""
        with self.lock:
            tok = self.tokens[value]
            tok.revoked = True
            return self._issue(tok.account, True)

    def revoke_token(self, value: str) -> None:
        with self.lock:
            tok = self.tokens.get(value)
            if tok is not None:
                tok.revoked = True

    def revoke_tokens(self, client_id: str, include_refresh: bool = False) -> int:
        with self.lock:
            account = self._account(client_id)
            n = 0
            for tok in account.tokens:
                if not tok.revoked and (tok.kind == "access" or include_refresh):
                    tok.revoked = True
                    n += 1
            return n

    def _account(self, client_id: str) -> Account:
        account = self.accounts.get(client_id)
        if account is None:
            raise ApiError(404, "Not Found: invalid account")
        return account

    # ------------------------------------------------------------------ rendering

    def render_receiver(self, rec: Receiver, detail: int = 0, tags: bool = False,
                        events: bool = False, events_override: list | None = None) -> dict:
        group = rec.group
        account = group.account
        ga = rec.gattrs
        la = rec.lattrs
        out = {
            "id": rec.id,
            "email": rec.email,
            "group_id": group.id,
            "registered": rec.registered,
            "activated": rec.activated,
            "deactivated": rec.deactivated,
            "bounced": rec.bounced,
            "imported": rec.imported,
            "last_changed": rec.last_changed,
            "last_ip": rec.last_ip,
            "last_location": rec.last_location,
            "last_client": rec.last_client,
            "points": rec.points,
            "stars": rec.stars,
            "source": rec.source,
            "active": rec.activated > 0 and rec.deactivated == 0 and rec.bounced == 0,
            "conversion_rate": 0,
            "open_rate": round(rec.n_open / rec.n_sent, 4) if rec.n_sent else 0,
            "click_rate": round(rec.n_click / rec.n_sent, 4) if rec.n_sent else 0,
            "attributes": {a.name: (la.get(a.id, "") if la else "") for a in group.attrs.values()},
            "global_attributes": {a.name: (ga.get(a.id, "") if ga else "")
                                  for a in account.attrs.values()},
        }
        if tags or detail & 4:
            out["tags"] = list(rec.tags or ())
        if events or detail & 1:
            evs = events_override if events_override is not None else (rec.events or ())
            out["events"] = [self._event_json(e) for e in evs]
        if detail & 2:
            out["orders"] = [dict(o) for o in rec.orders or ()]
        return out

    def render_receivers(self, recs: Iterable[Receiver], detail: int = 0) -> list[dict]:
        return [self.render_receiver(r, detail) for r in recs]

    def receiver_json(self, rec: Receiver, detail: int = 0, tags: bool = False, events: bool = False,
                      events_override: list | None = None, specs: tuple | None = None) -> str:
        """Same document as :meth:`render_receiver`, serialised directly (hot path)."""
        group = rec.group
        if specs is None:
            specs = (_attr_spec(group.attrs), _attr_spec(group.account.attrs))
        (lspec, lempty), (gspec, gempty) = specs
        n_sent = rec.n_sent
        out = _REC_FMT % (
            _enc(rec.id), _enc(rec.email), _enc(group.id), rec.registered, rec.activated,
            rec.deactivated, rec.bounced, rec.imported, rec.last_changed, _enc(rec.last_ip),
            _enc(rec.last_location), _enc(rec.last_client), rec.points, rec.stars, _enc(rec.source),
            "true" if rec.activated > 0 and rec.deactivated == 0 and rec.bounced == 0 else "false",
            repr(round(rec.n_open / n_sent, 4)) if n_sent else "0",
            repr(round(rec.n_click / n_sent, 4)) if n_sent else "0",
            _vals_json(rec.lattrs, lspec, lempty), _vals_json(rec.gattrs, gspec, gempty))
        if tags or detail & 4:
            out += ',"tags":' + _dumps(list(rec.tags or ()))
        if events or detail & 1:
            evs = events_override if events_override is not None else (rec.events or ())
            out += ',"events":' + _dumps([self._event_json(e) for e in evs])
        if detail & 2:
            out += ',"orders":' + _dumps(list(rec.orders or ()))
        return out + "}"

    def receivers_json(self, recs: Iterable[Receiver], detail: int = 0, overrides: dict | None = None) -> RawJSON:
        """A JSON array of receivers (all of one group or mixed)."""
        parts = []
        specs_by_group: dict = {}
        for r in recs:
            g = r.group
            specs = specs_by_group.get(g)
            if specs is None:
                specs = specs_by_group[g] = (_attr_spec(g.attrs), _attr_spec(g.account.attrs))
            parts.append(self.receiver_json(r, detail, specs=specs,
                                            events_override=overrides.get(r) if overrides else None))
        return RawJSON("[" + ",".join(parts) + "]")

    @staticmethod
    def _gc_settle(created: int) -> None:
        """Move long-lived objects out of the GC's sight after big loads.

        With 10^5..10^6 receivers the cyclic GC otherwise rescans them again and again
        and halves the throughput. Frozen objects are still freed by reference counting;
        ``reset`` unfreezes so that the previous state can be collected."""
        if created >= 500:
            gc.freeze()

    # ------------------------------------------------------------------ groups

    def group(self, account: Account, gid: str) -> Group:
        g = self.groups.get(str(gid))
        if g is None or g.account is not account:
            raise ApiError(404, "Not Found: invalid group")
        return g

    def list_groups(self, account: Account, order: str | None = None) -> list[dict]:
        with self.lock:
            groups = list(account.groups.values())
            if order:
                parts = order.split()
                fld = parts[0].lower()
                desc = len(parts) > 1 and parts[1].lower() == "desc"
                keyf = {"changed": lambda g: g.last_changed, "created": lambda g: g.stamp,
                        "name": lambda g: g.name.lower(), "id": lambda g: int(g.id) if g.id.isdigit() else 0
                        }.get(fld)
                if keyf is None:
                    raise ApiError(400, "Bad Request: invalid order")
                groups.sort(key=keyf, reverse=desc)
            return [g.to_json() for g in groups]

    def get_group(self, account: Account, gid: str) -> dict:
        with self.lock:
            return self.group(account, gid).to_json()

    def create_group(self, account: Account, data: dict) -> dict:
        with self.lock:
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise ApiError(400, "Bad Request: name missing")
            now = self.now()
            if data.get("id") is not None:
                gid = str(data["id"])
                if gid in self.groups:
                    raise ApiError(409, "Conflict: group id already exists")
            else:
                gid = self._new_id("group", self.groups)
            group = Group(gid, account, name.strip(), now)
            group.receiver_info = str(data.get("receiver_info", "") or "")
            group.locked = bool(data.get("locked", False))
            group.backup = bool(data.get("backup", True))
            self.groups[gid] = group
            account.groups[gid] = group
            return group.to_json()

    def update_group(self, account: Account, gid: str, data: dict) -> dict:
        with self.lock:
            group = self.group(account, gid)
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: invalid data")
            if "name" in data:
                if not isinstance(data["name"], str) or not data["name"].strip():
                    raise ApiError(400, "Bad Request: name missing")
                group.name = data["name"].strip()
            if "receiver_info" in data:
                group.receiver_info = str(data["receiver_info"] or "")
            for k in ("locked", "backup"):
                if k in data:
                    setattr(group, k, bool(data[k]))
            group.last_changed = self.now()
            return group.to_json()

    def delete_group(self, account: Account, gid: str) -> bool:
        with self.lock:
            group = self.group(account, gid)
            for rec in group.receivers.values():
                rec.deleted = True
                rec.events = None
                self.receivers.pop(rec.id, None)
            for aid in group.attrs:
                self.attributes.pop(aid, None)
            group.receivers = {}
            group.by_email = {}
            group.touch()
            del self.groups[group.id]
            del account.groups[group.id]
            return True

    def clear_group(self, account: Account, gid: str) -> bool:
        with self.lock:
            group = self.group(account, gid)
            for rec in list(group.receivers.values()):
                self._delete_receiver(rec)
            group.touch(self.now())
            return True

    def group_stats(self, account: Account, gid: str) -> dict:
        with self.lock:
            group = self.group(account, gid)
            now = self.now()
            ttl = self.settings.stats_cache_ttl
            if ttl and group.stats_cache is not None and now - group.stats_cache[0] < ttl:
                return dict(group.stats_cache[1])
            total = len(group.receivers)
            active = bounce = points = orders = 0
            for r in group.receivers.values():
                if r.bounced:
                    bounce += 1
                elif r.activated and not r.deactivated:
                    active += 1
                points += r.points
                if r.orders:
                    orders += len(r.orders)
            stats = {
                "total_count": total,
                "inactive_count": total - active - bounce,
                "active_count": active,
                "bounce_count": bounce,
                "avg_points": round(points / total, 2) if total else 0,
                "quality": round(5 * active / total) if total else 0,
                "time": now,
                "order_count": orders,
            }
            group.stats_cache = (now, stats)
            return dict(stats)

    # ------------------------------------------------------------------ attributes

    def _create_attribute(self, account: Account, group: Group | None, data: dict,
                          check_limit: bool = True, explicit_id: Any = None) -> Attribute:
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: invalid data")
        raw = data.get("name")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: name missing")
        name = _norm_attr_name(raw)
        type_ = str(data.get("type") or "text").lower()
        if type_ not in ATTRIBUTE_TYPES:
            raise ApiError(400, f"Bad Request: invalid type '{type_}'")
        if account.attr_by_name(name, group) is not None:
            raise ApiError(409, "Conflict: attribute already exists")
        if check_limit and self.settings.max_attributes:
            used = len(account.attrs) + sum(len(g.attrs) for g in account.groups.values())
            if used >= self.settings.max_attributes:
                raise ApiError(403, "Forbidden: attribute limit reached")
        if explicit_id is not None:
            aid = int(explicit_id)
            if aid in self.attributes:
                from .seed import SeedError
                raise SeedError(f"duplicate attribute id {aid}")
        else:
            aid = int(self._new_id("attribute", {}))
            while aid in self.attributes:
                aid = int(self._new_id("attribute", {}))
        attr = Attribute(aid, group, name, type_, str(data.get("description") or raw.strip()),
                         _attr_value(data.get("preview_value")), _attr_value(data.get("default_value")))
        self.attributes[aid] = attr
        owner = account if group is None else group
        owner.attrs[aid] = attr
        owner.attr_idx = None
        return attr

    def _attr_scope(self, account: Account, group_id: Any) -> Group | None:
        if group_id in (None, "", "0", 0):
            return None
        return self.group(account, str(group_id))

    def list_attributes(self, account: Account, group_id: Any = None) -> list[dict]:
        with self.lock:
            group = self._attr_scope(account, group_id)
            pool = account.attrs if group is None else group.attrs
            return [a.to_json() for a in pool.values()]

    def create_attribute(self, account: Account, data: dict, group_id: Any = None) -> dict:
        with self.lock:
            group = self._attr_scope(account, group_id)
            attr = self._create_attribute(account, group, data)
            if self.settings.attribute_create_response == "full":
                return attr.to_json()
            return {"id": attr.id}

    def _attribute(self, account: Account, aid: Any, group_id: Any = None) -> Attribute:
        try:
            attr = self.attributes.get(int(aid))
        except (TypeError, ValueError):
            attr = None
        if attr is None:
            raise ApiError(404, "Not Found: invalid attribute")
        owner = attr.group.account if attr.group is not None else None
        if owner is None:
            if account.attrs.get(attr.id) is not attr:
                raise ApiError(404, "Not Found: invalid attribute")
        elif owner is not account:
            raise ApiError(404, "Not Found: invalid attribute")
        if group_id not in (None, "", "0", 0) and (attr.group is None or attr.group.id != str(group_id)):
            raise ApiError(404, "Not Found: invalid attribute")
        return attr

    def get_attribute(self, account: Account, aid: Any, group_id: Any = None) -> dict:
        with self.lock:
            return self._attribute(account, aid, group_id).to_json()

    def update_attribute(self, account: Account, aid: Any, data: dict, group_id: Any = None) -> dict:
        with self.lock:
            attr = self._attribute(account, aid, group_id)
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: invalid data")
            if "name" in data:
                if not isinstance(data["name"], str) or not data["name"].strip():
                    raise ApiError(400, "Bad Request: name missing")
                name = _norm_attr_name(data["name"])
                other = account.attr_by_name(name, attr.group)
                if other is not None and other is not attr:
                    raise ApiError(409, "Conflict: attribute already exists")
                attr.name = name
                (account if attr.group is None else attr.group).attr_idx = None
            if "type" in data:
                type_ = str(data["type"]).lower()
                if type_ not in ATTRIBUTE_TYPES:
                    raise ApiError(400, f"Bad Request: invalid type '{type_}'")
                attr.type = type_
            for k in ("description", "preview_value", "default_value"):
                if k in data:
                    setattr(attr, k, _attr_value(data[k]))
            return attr.to_json()

    def delete_attribute(self, account: Account, aid: Any, group_id: Any = None) -> bool:
        with self.lock:
            attr = self._attribute(account, aid, group_id)
            del self.attributes[attr.id]
            owner = account if attr.group is None else attr.group
            owner.attrs.pop(attr.id, None)
            owner.attr_idx = None
            return True  # stale values keyed by the dead id are never shown again

    def attribute_limits(self, account: Account) -> dict:
        with self.lock:
            used = len(account.attrs) + sum(len(g.attrs) for g in account.groups.values())
            mx = self.settings.max_attributes
            return {"available": max(0, mx - used) if mx else 9999, "canCreate": (not mx) or used < mx,
                    "max": str(mx) if mx else "unlimited", "used": used}

    # ------------------------------------------------------------------ receivers: lookup

    def _find_in_group(self, group: Group, ref: str) -> Receiver | None:
        ref = str(ref).strip()
        if "@" in ref:
            return group.by_email.get(ref.lower())
        return group.receivers.get(ref)

    def _receiver_in_group(self, account: Account, gid: str, ref: str) -> Receiver:
        group = self.group(account, gid)
        rec = self._find_in_group(group, ref)
        if rec is None:
            raise ApiError(404, "Not Found: invalid receiver")
        return rec

    def _find_global(self, account: Account, ref: str, group_id: Any = None) -> list[Receiver]:
        ref = str(ref).strip()
        if group_id not in (None, "", "0", 0):
            group = self.group(account, str(group_id))
            rec = self._find_in_group(group, ref)
            return [rec] if rec else []
        if "@" in ref:
            key = ref.lower()
            return [g.by_email[key] for g in account.groups.values() if key in g.by_email]
        rec = self.receivers.get(ref)
        if rec is not None and rec.group.account is account:
            return [rec]
        return []

    def get_receiver(self, account: Account, ref: str, gid: str | None = None,
                     group_id: Any = None, detail: int = 0) -> dict:
        with self.lock:
            if gid is not None:
                rec = self._receiver_in_group(account, gid, ref)
            else:
                found = self._find_global(account, ref, group_id)
                if not found:
                    raise ApiError(404, "Not Found: invalid receiver")
                rec = found[0]
            return self.render_receiver(rec, detail, tags=True, events=True)

    def receiver_groups(self, account: Account, ref: str) -> list[dict]:
        with self.lock:
            found = self._find_global(account, ref)
            if not found:
                raise ApiError(404, "Not Found: invalid receiver")
            if "@" not in ref:
                key = found[0].key
                found = [g.by_email[key] for g in account.groups.values() if key in g.by_email]
            return [r.group.to_json() for r in found]

    def receiver_events(self, account: Account, ref: str, gid: str | None = None) -> list[dict]:
        with self.lock:
            if gid is not None:
                rec = self._receiver_in_group(account, gid, ref)
            else:
                found = self._find_global(account, ref)
                if not found:
                    raise ApiError(404, "Not Found: invalid receiver")
                rec = found[0]
            return [self._event_json(e) for e in rec.events or ()]

    # ------------------------------------------------------------------ receivers: listing

    def _snapshot(self, group: Group, type_: str, order_by: str | None) -> list[Receiver]:
        key = (type_, order_by)
        snap = group.snaps.get(key)
        if snap is not None:
            return snap
        filt = _TYPE_FILTERS[type_]
        recs = list(group.receivers.values())
        if filt is not None:
            recs = [r for r in recs if filt(r)]
        if order_by:
            fld, desc = order_by.split(":")
            recs.sort(key=_RECEIVER_ORDER_FIELDS[fld], reverse=desc == "desc")
        group.snaps[key] = recs
        return recs

    @staticmethod
    def parse_order_by(order_by: str | None) -> str | None:
        if not order_by or not order_by.strip():
            return None
        parts = order_by.strip().split()
        fld = parts[0].lower()
        if "." in fld:
            fld = fld.rsplit(".", 1)[1]
        direction = parts[1].lower() if len(parts) > 1 else "asc"
        if fld not in _RECEIVER_ORDER_FIELDS or direction not in ("asc", "desc") or len(parts) > 2:
            raise ApiError(400, "Bad Request: invalid order_by")
        return f"{fld}:{direction}"

    def list_receivers(self, account: Account, gid: str, page: int = 0, pagesize: int | None = None,
                       type_: str = "all", detail: int = 0, email_list: str | None = None,
                       id_list: str | None = None, order_by: str | None = None,
                       raw: bool = False) -> list[dict] | RawJSON:
        with self.lock:
            s = self.settings
            if pagesize is None:
                pagesize = s.default_pagesize
            if pagesize > s.max_pagesize:
                raise ApiError(400, "Bad Request: pagesize too large")
            if pagesize < 1:
                raise ApiError(400, "Bad Request: invalid pagesize")
            if page < 0:
                raise ApiError(400, "Bad Request: invalid page")
            if type_ not in _TYPE_FILTERS:
                raise ApiError(400, "Bad Request: invalid type")
            order = self.parse_order_by(order_by)
            group = self.group(account, gid)
            if email_list or id_list:
                recs: list[Receiver] = []
                seen: set[str] = set()
                for e in (email_list or "").split(","):
                    r = group.by_email.get(e.strip().lower())
                    if r is not None and r.id not in seen:
                        seen.add(r.id)
                        recs.append(r)
                for i in (id_list or "").split(","):
                    r = group.receivers.get(i.strip())
                    if r is not None and r.id not in seen:
                        seen.add(r.id)
                        recs.append(r)
                filt = _TYPE_FILTERS[type_]
                if filt is not None:
                    recs = [r for r in recs if filt(r)]
                if order:
                    fld, desc = order.split(":")
                    recs.sort(key=_RECEIVER_ORDER_FIELDS[fld], reverse=desc == "desc")
            else:
                recs = self._snapshot(group, type_, order)
            start = page * pagesize
            chunk = recs[start:start + pagesize]
            if raw:
                return self.receivers_json(chunk, detail)
            return [self.render_receiver(r, detail) for r in chunk]

    # ------------------------------------------------------------------ receivers: writes

    def _apply_attrs(self, rec: Receiver, values: Any, local: bool) -> None:
        if not isinstance(values, dict):
            return
        group = rec.group
        owner = group if local else group.account
        if not owner.attrs:
            return
        by_name = owner.attr_idx
        if by_name is None:
            by_name = owner.attr_idx = {a.name: a.id for a in owner.attrs.values()}
        store = rec.lattrs if local else rec.gattrs
        for name, value in values.items():
            aid = by_name.get(name)
            if aid is None:
                aid = by_name.get(str(name).strip().lower())
            if aid is None:
                continue  # unknown attribute: silently dropped (real quirk)
            if type(value) is not str:
                value = _attr_value(value)
            if value == "":
                if store:
                    store.pop(aid, None)
            else:
                if store is None:
                    store = {}
                    if local:
                        rec.lattrs = store
                    else:
                        rec.gattrs = store
                store[aid] = value

    @staticmethod
    def _apply_tags(rec: Receiver, tags: Any, replace: bool) -> None:
        if not isinstance(tags, list):
            return
        current = [] if replace else list(rec.tags or ())
        for t in tags:
            t = str(t).strip()
            if not t:
                continue
            if t.startswith("-"):
                if replace:
                    continue
                t = t[1:]
                if t.endswith(".*"):
                    prefix = t[:-1]
                    current = [c for c in current if not c.startswith(prefix)]
                else:
                    current = [c for c in current if c != t]
            elif t not in current:
                current.append(t)
        rec.tags = current or None

    @staticmethod
    def _apply_orders(rec: Receiver, orders: Any) -> None:
        if not isinstance(orders, list):
            return
        current = list(rec.orders or ())
        for o in orders:
            if not isinstance(o, dict):
                continue
            key = (str(o.get("order_id", "")), str(o.get("product_id", "")))
            current = [c for c in current
                       if (str(c.get("order_id", "")), str(c.get("product_id", ""))) != key]
            current.append(dict(o))
        rec.orders = current or None

    def _apply_write(self, rec: Receiver, item: dict, is_new: bool, now: int, replace_tags: bool) -> None:
        if is_new:
            rec.registered = _as_int(item.get("registered"), now) or now
            if "activated" in item:
                rec.activated = _as_int(item.get("activated"))
            else:
                rec.activated = now
            rec.deactivated = _as_int(item.get("deactivated"))
            rec.source = str(item.get("source") or "RESTful API")
        else:
            if "registered" in item and _as_int(item["registered"]) > 0:
                rec.registered = _as_int(item["registered"])
            if "source" in item and item["source"] is not None:
                rec.source = str(item["source"])
            deact = _as_int(item["deactivated"]) if "deactivated" in item else None
            act = _as_int(item["activated"]) if "activated" in item else None
            if deact:  # an API deactivation
                if not rec.deactivated:
                    rec.deactivated = deact
            elif not rec.locked:
                if act:
                    if not rec.activated or rec.deactivated:
                        rec.activated = act
                    rec.deactivated = 0
                elif deact == 0 and rec.deactivated:
                    rec.deactivated = 0
                    if not rec.activated and act is None:
                        rec.activated = now
                if act == 0 and self.settings.activated_zero_deactivates_existing:
                    rec.activated = 0
        if "imported" in item:
            rec.imported = _as_int(item["imported"])
        if "global_attributes" in item:
            self._apply_attrs(rec, item["global_attributes"], local=False)
        if "attributes" in item:
            self._apply_attrs(rec, item["attributes"], local=True)
        if "tags" in item:
            self._apply_tags(rec, item["tags"], replace_tags)
        if "orders" in item:
            self._apply_orders(rec, item["orders"])
        rec.last_changed = now

    def _new_receiver(self, group: Group, email: str) -> Receiver:
        rid = self._new_id("receiver", self.receivers)
        rec = Receiver(rid, email, group)
        group.receivers[rid] = rec
        group.by_email[rec.key] = rec
        self.receivers[rid] = rec
        return rec

    @staticmethod
    def unwrap_items(body: Any, key: str = "postdata") -> list:
        if isinstance(body, dict):
            for k in (key, "postdata", "receivers"):
                if isinstance(body.get(k), list):
                    return body[k]
        if isinstance(body, list):
            return body
        raise ApiError(400, "Bad Request: invalid data")

    def bulk_write(self, account: Account, gid: str, body: Any, mode: str, ip: str = "127.0.0.1",
                   raw: bool = False) -> list | RawJSON:
        """insert / upsert / upsertplus / update. Returns the per-item result list
        (for upsertplus: the receivers written; as :class:`RawJSON` when ``raw``)."""
        items = self.unwrap_items(body)
        with self.lock:
            group = self.group(account, gid)
            limit = self.settings.batch_limit
            if len(items) > limit:
                raise ApiError(413, f"Request Entity Too Large: max {limit} receivers per call")
            now = self.now()
            seen: set[str] = set()
            results: list = []
            plus: list[Receiver] = []
            s = self.settings
            changed = False
            for item in items:
                if isinstance(item, dict):
                    raw = item.get("email")
                    shown = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
                else:
                    raw, shown = None, "" if item is None else str(item)
                if not is_valid_email(raw):
                    results.append(f"invalid address '{shown}';")
                    continue
                email = raw.strip()
                key = email.lower()
                if key in seen:
                    results.append(f"duplicate address '{shown}'")
                    continue
                seen.add(key)
                rec = group.by_email.get(key)
                if rec is None:
                    if mode == "update":
                        results.append(s.update_unknown_message.format(email=shown, value=shown))
                        continue
                    rec = self._new_receiver(group, email)
                    self._apply_write(rec, item, True, now, replace_tags=False)
                    self._add_event(rec, (now, "api", "REST insert", ip, "0", group.id))
                    results.append({"status": "insert success", "id": rec.id})
                else:
                    if mode == "insert":
                        results.append(s.insert_existing_message.format(email=shown, value=shown))
                        continue
                    self._apply_write(rec, item, False, now, replace_tags=False)
                    self._add_event(rec, (now, "api", "REST update", ip, "0", group.id))
                    results.append({"status": "update success", "id": rec.id})
                changed = True
                plus.append(rec)
            if changed:
                group.touch(now)
            self._gc_settle(len(items))
            if mode == "upsertplus":
                if raw:
                    return self.receivers_json(plus, 4)
                return [self.render_receiver(r, 4) for r in plus]
            return results

    def create_receiver(self, account: Account, gid: str, body: Any, ip: str = "127.0.0.1") -> Any:
        if isinstance(body, list):
            return self.bulk_write(account, gid, body, "insert", ip)
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: invalid data")
        with self.lock:
            group = self.group(account, gid)
            raw = body.get("email")
            if not is_valid_email(raw):
                raise ApiError(400, f"Bad Request: invalid address '{raw if raw is not None else ''}'")
            email = raw.strip()
            now = self.now()
            rec = group.by_email.get(email.lower())
            if rec is not None:
                if self.settings.create_existing_policy == "reject":
                    raise ApiError(400, f"Bad Request: duplicate address '{email}'")
                self._apply_write(rec, body, False, now, replace_tags=False)
                self._add_event(rec, (now, "api", "REST update", ip, "0", group.id))
            else:
                rec = self._new_receiver(group, email)
                self._apply_write(rec, body, True, now, replace_tags=False)
                self._add_event(rec, (now, "api", "REST insert", ip, "0", group.id))
            group.touch(now)
            return self.render_receiver(rec, 0, tags=True, events=True)

    def update_receiver(self, account: Account, gid: str, ref: str, body: Any, ip: str = "127.0.0.1") -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: invalid data")
        with self.lock:
            rec = self._receiver_in_group(account, gid, ref)
            now = self.now()
            self._apply_write(rec, body, False, now, replace_tags=True)
            self._add_event(rec, (now, "api", "REST update", ip, "0", rec.group.id))
            rec.group.touch(now)
            return self.render_receiver(rec, 0, tags=True, events=True)

    def set_active(self, account: Account, gid: str, ref: str, active: bool, ip: str = "127.0.0.1") -> bool:
        with self.lock:
            rec = self._receiver_in_group(account, gid, ref)
            now = self.now()
            if active:
                if rec.locked:
                    if self.settings.activate_blocked_response == "error":
                        raise ApiError(403, "Forbidden: receiver unsubscribed or bounced")
                    return True
                if not rec.activated or rec.deactivated:
                    rec.activated = now
                rec.deactivated = 0
                self._add_event(rec, (now, "api", "REST activate", ip, "0", rec.group.id))
            else:
                if not rec.deactivated:
                    rec.deactivated = now
                self._add_event(rec, (now, "api", "REST deactivate", ip, "0", rec.group.id))
            rec.last_changed = now
            rec.group.touch(now)
            return True

    def _delete_receiver(self, rec: Receiver) -> None:
        group = rec.group
        group.receivers.pop(rec.id, None)
        if group.by_email.get(rec.key) is rec:
            del group.by_email[rec.key]
        self.receivers.pop(rec.id, None)
        rec.deleted = True
        rec.events = None

    def delete_receiver(self, account: Account, gid: str, ref: str) -> bool:
        with self.lock:
            rec = self._receiver_in_group(account, gid, ref)
            self._delete_receiver(rec)
            rec.group.touch(self.now())
            return True

    def delete_receiver_global(self, account: Account, ref: str) -> bool:
        with self.lock:
            found = self._find_global(account, ref)
            if not found:
                raise ApiError(404, "Not Found: invalid receiver")
            now = self.now()
            for rec in found:
                self._delete_receiver(rec)
                rec.group.touch(now)
            return True

    def bulk_delete(self, account: Account, gid: str | None, body: Any) -> list:
        items = self.unwrap_items(body, "receivers")
        with self.lock:
            group = self.group(account, gid) if gid is not None else None
            if len(items) > self.settings.batch_limit:
                raise ApiError(413, f"Request Entity Too Large: max {self.settings.batch_limit} receivers per call")
            now = self.now()
            out: list = []
            touched: set = set()
            for item in items:
                ref = item.get("email", item.get("id")) if isinstance(item, dict) else item
                ref = "" if ref is None else str(ref)
                if group is not None:
                    rec = self._find_in_group(group, ref) if ref.strip() else None
                    found = [rec] if rec is not None else []
                else:
                    found = self._find_global(account, ref) if ref.strip() else []
                if not found:
                    out.append(self.settings.delete_unknown_message.format(value=ref, email=ref))
                    continue
                for rec in found:
                    self._delete_receiver(rec)
                    touched.add(rec.group)
                out.append({"status": "success"})
            for g in touched:
                g.touch(now)
            return out

    # ------------------------------------------------------------------ user-side actions (control API)

    def _emails_receivers(self, account: Account, email: str, group_id: Any) -> list[Receiver]:
        key = str(email).strip().lower()
        if group_id not in (None, "", 0, "0"):
            group = self.group(account, str(group_id))
            rec = group.by_email.get(key)
            return [rec] if rec else []
        return [g.by_email[key] for g in account.groups.values() if key in g.by_email]

    def user_unsubscribe(self, client_id: str, email: str, group_id: Any = None,
                         blacklist: bool | None = None, mailing_id: Any = None,
                         stamp: int | None = None) -> list[str]:
        """A click on an unsubscribe link: deactivated=now, locked against API reactivation."""
        with self.lock:
            account = self._account(client_id)
            recs = self._emails_receivers(account, email, group_id)
            if not recs:
                raise ApiError(404, "Not Found: invalid receiver")
            now = stamp or self.now()
            mailing = None
            if mailing_id not in (None, "", 0, "0"):
                mailing = self._mailing(account, mailing_id)
            for rec in recs:
                rcp = mailing.by_key.get(rec.key) if mailing else None
                if rcp is not None and rcp.receiver is rec:
                    self._record_unsubscribe(mailing, rcp, now)
                else:
                    self._unsubscribe_rec(rec, now, mailing.id if mailing else "0")
                rec.group.touch(now)
            if blacklist is None:
                blacklist = self.settings.blacklist_on_unsubscribe
            if blacklist:
                account.blacklist[recs[0].key] = {"email": recs[0].email, "comment": "unsubscribed",
                                                  "stamp": now}
            return [r.id for r in recs]

    def _unsubscribe_rec(self, rec: Receiver, now: int, mailing_id: str) -> None:
        rec.deactivated = rec.deactivated or now
        rec.user_unsub = True
        rec.last_changed = now
        self._add_event(rec, (now, "user_unsubscribe", "0", "127.0.0.1", mailing_id, rec.group.id))

    def _bounce_rec(self, rec: Receiver, now: int, category: str, message: str, mailing_id: str) -> None:
        rec.bounced = rec.bounced or now
        rec.last_changed = now
        self._add_event(rec, (now, "mail_bounce", category, message, mailing_id, rec.group.id))

    def _bounce_entry(self, account: Account, email: str, now: int, category: str, message: str,
                      mailing_id: str | None) -> None:
        key = email.lower()
        entry = account.bounces.get(key)
        if entry is None:
            entry = {"email": email, "category": category, "occurences": 0}
            account.bounces[key] = entry
        entry["occurences"] += 1
        entry["category"] = category
        expires = now + 5 * 365 * 86400
        entry.update({"last_update": now, "last_update_gmt": _iso(now), "expires_by": expires,
                      "expires_by_gmt": _iso(expires), "bounce_message": message,
                      "type": "mailing" if mailing_id else "manual",
                      "type_id": mailing_id or "0"})

    def bounce(self, client_id: str, email: str, group_id: Any = None, category: str = "hardbounce",
               message: str | None = None, mailing_id: Any = None, stamp: int | None = None) -> list[str]:
        with self.lock:
            account = self._account(client_id)
            key = str(email).strip().lower()
            if group_id not in (None, "", 0, "0"):
                group = self.group(account, str(group_id))
                if key not in group.by_email:
                    raise ApiError(404, "Not Found: invalid receiver")
            recs = self._emails_receivers(account, email, None)
            if not recs:
                raise ApiError(404, "Not Found: invalid receiver")
            now = stamp or self.now()
            message = message or "smtp; 550 5.1.1 user unknown"
            mailing = self._mailing(account, mailing_id) if mailing_id not in (None, "", 0, "0") else None
            for rec in recs:
                rcp = mailing.by_key.get(rec.key) if mailing else None
                if rcp is not None and rcp.receiver is rec:
                    rcp.bounced = rcp.bounced or now
                    mailing.touch()
                self._bounce_rec(rec, now, category, message, mailing.id if mailing else "0")
                rec.group.touch(now)
            self._bounce_entry(account, recs[0].email, now, category, message,
                               mailing.id if mailing else None)
            return [r.id for r in recs]

    def signup(self, client_id: str, group_id: Any, email: str, global_attributes: dict | None = None,
               attributes: dict | None = None, doi: bool = False, source: str = "Formular") -> dict:
        """A form sign-up (a user action): creates or re-subscribes the receiver."""
        with self.lock:
            account = self._account(client_id)
            group = self.group(account, str(group_id))
            if not is_valid_email(email):
                raise ApiError(400, f"Bad Request: invalid address '{email}'")
            now = self.now()
            rec = group.by_email.get(email.strip().lower())
            if rec is None:
                rec = self._new_receiver(group, email.strip())
                rec.registered = now
                rec.source = source
                self._add_event(rec, (now, "form_subscribe", "0", "127.0.0.1", "0", group.id))
            else:
                self._add_event(rec, (now, "form_subscribe", "0", "127.0.0.1", "0", group.id))
            if rec.user_unsub or rec.deactivated or not rec.activated:
                rec.user_unsub = False
                rec.deactivated = 0
                rec.activated = 0 if doi else now
            self._apply_attrs(rec, global_attributes or {}, local=False)
            self._apply_attrs(rec, attributes or {}, local=True)
            rec.last_changed = now
            group.touch(now)
            return self.render_receiver(rec, 0, tags=True, events=True)

    def ui_create_group(self, client_id: str, data: dict) -> dict:
        with self.lock:
            return self.create_group(self._account(client_id), data)

    def ui_delete_group(self, client_id: str, gid: str) -> bool:
        with self.lock:
            return self.delete_group(self._account(client_id), gid)

    def add_account(self, acc: dict) -> dict:
        from .seed import validate_account

        acc = validate_account(acc, "account")
        with self.lock:
            self._reserve_ids({"accounts": [acc]})
            account = self._load_account(acc)
            return {"client_id": account.client_id, "account_id": account.account_id,
                    "group_ids": list(account.groups)}

    def generate_receivers(self, client_id: str, group_id: str, count: int,
                           email_pattern: str = "user{n}@example.com", start: int = 0,
                           global_attributes: dict | None = None, active: bool = True) -> dict:
        """Bulk-create ``count`` receivers directly (benchmark preparation).

        ``email_pattern`` and string values of ``global_attributes`` may use ``{n}``."""
        with self.lock:
            account = self._account(client_id)
            group = self.group(account, str(group_id))
            now = self.now()
            ga = {}
            for name, value in (global_attributes or {}).items():
                a = account.attr_by_name(_norm_attr_name(name))
                if a is not None:
                    ga[a.id] = value
            created = 0
            for n in range(start, start + int(count)):
                email = email_pattern.format(n=n)
                if email.lower() in group.by_email:
                    continue
                rec = self._new_receiver(group, email)
                rec.registered = rec.last_changed = now
                rec.activated = now if active else 0
                rec.source = "User Import"
                rec.imported = now
                if ga:
                    rec.gattrs = {aid: str(v).format(n=n) for aid, v in ga.items()}
                created += 1
            group.touch(now)
            self._gc_settle(created)
            return {"created": created, "total": len(group.receivers)}

    # ------------------------------------------------------------------ mailings

    def _mailing(self, account: Account, mid: Any, message: str = "Not Found: invalid mailing") -> Mailing:
        m = self.mailings.get(str(mid))
        if m is None or m.account is not account:
            raise ApiError(404, message)
        return m

    def _mailing_receiver(self, mailing: Mailing, email: str) -> Receiver | None:
        key = str(email).strip().lower()
        for gid in mailing.group_ids:
            g = self.groups.get(gid)
            if g is not None and key in g.by_email:
                return g.by_email[key]
        return None

    def _add_recipient(self, mailing: Mailing, rec: Receiver, sent: int) -> Recipient:
        rcp = mailing.by_key.get(rec.key)
        if rcp is not None:
            return rcp
        rcp = Recipient(rec, sent)
        mailing.recipients.append(rcp)
        mailing.by_key[rec.key] = rcp
        rec.n_sent += 1
        self._add_event(rec, (sent, "mail_send", mailing.id, "", mailing.id, rec.group.id))
        mailing.touch()
        return rcp

    def _send_to_active(self, mailing: Mailing, sent: int) -> None:
        for gid in mailing.group_ids:
            for rec in list(self.groups[gid].receivers.values()):
                if rec.active and rec.key not in mailing.by_key:
                    self._add_recipient(mailing, rec, sent)

    def _record_open(self, mailing: Mailing, rcp: Recipient, stamp: int) -> None:
        rec = rcp.receiver
        if not rcp.opened:
            rcp.opened = stamp
            rec.n_open += 1
        else:
            rcp.opened = min(rcp.opened, stamp)
        if not rec.deleted:
            self._add_event(rec, (stamp, "mail_open", mailing.id, "127.0.0.1", mailing.id, rec.group.id))
        mailing.touch()

    def _record_click(self, mailing: Mailing, rcp: Recipient, link_id: str, stamp: int) -> None:
        rec = rcp.receiver
        if not rcp.clicks:
            rcp.clicks = []
            rec.n_click += 1
        rcp.clicks.append((link_id, stamp))
        if not rec.deleted:
            self._add_event(rec, (stamp, "mail_click", link_id, "127.0.0.1", mailing.id, rec.group.id))
        mailing.touch()

    def _record_bounce(self, mailing: Mailing, rcp: Recipient, stamp: int, category: str = "hardbounce",
                       message: str | None = None) -> None:
        rec = rcp.receiver
        message = message or "smtp; 550 5.1.1 <{}>: Recipient address rejected: User unknown".format(rec.email)
        rcp.bounced = rcp.bounced or stamp
        self._bounce_rec(rec, stamp, category, message, mailing.id)
        self._bounce_entry(rec.group.account, rec.email, stamp, category, message, mailing.id)
        rec.group.touch()
        mailing.touch()

    def _record_unsubscribe(self, mailing: Mailing, rcp: Recipient, stamp: int) -> None:
        rcp.unsubscribed = rcp.unsubscribed or stamp
        self._unsubscribe_rec(rcp.receiver, stamp, mailing.id)
        rcp.receiver.group.touch()
        mailing.touch()

    def send_mailing(self, client_id: str, data: dict) -> dict:
        """Create a finished mailing sent to all active receivers of its groups now."""
        with self.lock:
            account = self._account(client_id)
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: invalid data")
            group_ids = [str(g) for g in data.get("group_ids") or []]
            if not group_ids:
                raise ApiError(400, "Bad Request: group_ids missing")
            for gid in group_ids:
                self.group(account, gid)
            finished = _as_int(data.get("finished"), self.now()) or self.now()
            mid = str(data["id"]) if data.get("id") is not None else self._new_id("mailing", self.mailings)
            if mid in self.mailings:
                raise ApiError(409, "Conflict: mailing id already exists")
            mailing = Mailing(mid, account)
            mailing.name = str(data.get("name") or f"Mailing {mid}")
            mailing.subject = str(data.get("subject") or mailing.name)
            mailing.sender_name = str(data.get("sender_name") or account.info.get("name", ""))
            mailing.sender_email = str(data.get("sender_email") or account.info.get("email", ""))
            mailing.body_html = str(data.get("body_html") or f"<html><body><h1>{mailing.subject}</h1></body></html>")
            mailing.body_text = str(data.get("body_text") or mailing.subject)
            mailing.state = "finished"
            mailing.stamp = _as_int(data.get("stamp"), finished)
            mailing.started = _as_int(data.get("started"), finished)
            mailing.finished = finished
            mailing.last_changed = finished
            mailing.group_ids = group_ids
            mailing.links = [{"id": str(link.get("id", i + 1)) if isinstance(link, dict) else str(i + 1),
                              "url": (link.get("url", link.get("link", "")) if isinstance(link, dict) else str(link))}
                             for i, link in enumerate(data.get("links") or [])]
            self._send_to_active(mailing, mailing.started)

            def rcp_for(entry: Any) -> tuple[Recipient, int]:
                email = entry.get("email") if isinstance(entry, dict) else entry
                rcp = mailing.by_key.get(str(email).strip().lower())
                if rcp is None:
                    raise ApiError(400, f"Bad Request: '{email}' is not a recipient of the mailing")
                stamp = _as_int(entry.get("stamp"), finished) if isinstance(entry, dict) else finished
                return rcp, stamp

            # validate before mutating anything further
            for key in ("opens", "clicks", "bounces", "unsubscribes"):
                for entry in data.get(key) or []:
                    rcp_for(entry)
            self.mailings[mid] = mailing
            account.mailings[mid] = mailing
            for entry in data.get("opens") or []:
                rcp, stamp = rcp_for(entry)
                self._record_open(mailing, rcp, stamp)
            for entry in data.get("clicks") or []:
                rcp, stamp = rcp_for(entry)
                default_link = mailing.links[0]["id"] if mailing.links else "1"
                link_id = str(entry.get("link_id", default_link) if isinstance(entry, dict) else default_link)
                self._record_click(mailing, rcp, link_id, stamp)
            for entry in data.get("bounces") or []:
                rcp, stamp = rcp_for(entry)
                self._record_bounce(mailing, rcp, stamp,
                                    entry.get("category", "hardbounce") if isinstance(entry, dict) else "hardbounce",
                                    entry.get("message") if isinstance(entry, dict) else None)
            for entry in data.get("unsubscribes") or []:
                rcp, stamp = rcp_for(entry)
                self._record_unsubscribe(mailing, rcp, stamp)
            for gid in group_ids:
                g = self.groups[gid]
                g.last_mailing = max(g.last_mailing, finished)
            return {"id": mid, "recipients": len(mailing.recipients)}

    def list_mailings(self, account: Account, state: str = "all", limit: int | None = None,
                      start: int | None = None, end: int | None = None) -> dict:
        with self.lock:
            if state not in ("all",) + MAILING_STATES:
                raise ApiError(400, "Bad Request: invalid state")
            if limit is None:
                limit = self.settings.mailings_default_limit
            states = MAILING_STATES if state == "all" else (state,)
            out: dict[str, list] = {s: [] for s in states}
            ms = sorted(account.mailings.values(),
                        key=lambda m: (m.finished if m.state == "finished" else m.stamp), reverse=True)
            for m in ms:
                if m.state not in out:
                    continue
                t = m.finished if m.state == "finished" else m.stamp
                if start is not None and t < start:
                    continue
                if end is not None and t > end:
                    continue
                if len(out[m.state]) < limit:
                    out[m.state].append(m.to_json())
            return out

    def get_mailing(self, account: Account, mid: str) -> dict:
        with self.lock:
            return self._mailing(account, mid).to_json()

    def mailing_links(self, account: Account, mid: str) -> list[dict]:
        with self.lock:
            m = self._mailing(account, mid)
            return [{"id": link["id"], "link": link["url"], "url": link["url"]} for link in m.links]

    # ------------------------------------------------------------------ reports

    def _report(self, account: Account, rid: str) -> Mailing:
        m = self._mailing(account, rid, "Not Found: invalid report")
        if m.state not in ("finished", "running"):
            raise ApiError(404, "Not Found: invalid report")
        return m

    @staticmethod
    def _report_summary(m: Mailing) -> dict:
        return {"id": m.id, "name": m.name, "subject": m.subject, "sender_name": m.sender_name,
                "sender_email": m.sender_email, "stamp": m.stamp, "started": m.started,
                "finished": m.finished, "state": m.state,
                "mailing_groups": {"group_ids": list(m.group_ids)}}

    def list_reports(self, account: Account, page: int = 0, pagesize: int | None = None,
                     start: int | None = None, end: int | None = None, group_id: Any = None) -> list[dict]:
        with self.lock:
            pagesize = pagesize or self.settings.default_pagesize
            if page < 0 or pagesize < 1:
                raise ApiError(400, "Bad Request: invalid page")
            ms = [m for m in account.mailings.values() if m.state == "finished"]
            if start is not None:
                ms = [m for m in ms if m.finished >= start]
            if end is not None:
                ms = [m for m in ms if m.finished <= end]
            if group_id not in (None, "", "0", 0):
                ms = [m for m in ms if str(group_id) in m.group_ids]
            ms.sort(key=lambda m: (m.finished, int(m.id) if m.id.isdigit() else 0), reverse=True)
            return [self._report_summary(m) for m in ms[page * pagesize:(page + 1) * pagesize]]

    def _stats(self, m: Mailing) -> dict:
        rc = m.recipients
        sent = len(rc)
        bounced = sum(1 for r in rc if r.bounced)
        opened = sum(1 for r in rc if r.opened)
        clicked = sum(1 for r in rc if r.clicks)
        total_clicks = sum(len(r.clicks) for r in rc if r.clicks)
        unsub = sum(1 for r in rc if r.unsubscribed)
        delivered = sent - bounced
        return {
            "sent": sent, "delivered": delivered, "bounced": bounced,
            "unique_opened": opened, "total_opened": opened,
            "unique_clicks": clicked, "total_clicks": total_clicks,
            "unsubscribed": unsub, "spam": 0, "dropouts": unsub,
            "open_rate": round(opened / delivered, 4) if delivered else 0,
            "click_rate": round(clicked / delivered, 4) if delivered else 0,
        }

    def get_report(self, account: Account, rid: str) -> dict:
        with self.lock:
            m = self._report(account, rid)
            out = self._report_summary(m)
            out["stats"] = self._stats(m)
            return out

    def report_stats(self, account: Account, rid: str, mode: str = "full") -> dict:
        """Modes: full (default), basic (= full, plus a nested ``basic`` copy), links, daily."""
        with self.lock:
            m = self._report(account, rid)
            if mode in ("full", "basic"):
                stats = self._stats(m)
                stats["basic"] = dict(stats)
                return stats
            if mode == "links":
                links = []
                for link in m.links:
                    total = unique = 0
                    for r in m.recipients:
                        n = sum(1 for lid, _ in r.clicks or () if lid == link["id"])
                        total += n
                        unique += 1 if n else 0
                    links.append({"id": link["id"], "link": link["url"], "total_clicks": total,
                                  "unique_clicks": unique})
                return {"links": links}
            if mode == "daily":
                days: dict[str, dict] = {}

                def bump(ts: int, k: str) -> None:
                    d = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")
                    days.setdefault(d, {"date": d, "opened": 0, "clicks": 0, "bounced": 0,
                                        "unsubscribed": 0})[k] += 1
                for r in m.recipients:
                    if r.opened:
                        bump(r.opened, "opened")
                    for _, ts in r.clicks or ():
                        bump(ts, "clicks")
                    if r.bounced:
                        bump(r.bounced, "bounced")
                    if r.unsubscribed:
                        bump(r.unsubscribed, "unsubscribed")
                return {"daily": [days[k] for k in sorted(days)]}
            raise ApiError(400, "Bad Request: invalid mode")

    def _report_events(self, m: Mailing, r: Recipient) -> list[tuple]:
        gid = r.receiver.group.id
        evs = [(r.sent, "mail_send", m.id, "", m.id, gid)]
        if r.opened:
            evs.append((r.opened, "mail_open", m.id, "127.0.0.1", m.id, gid))
        for lid, ts in r.clicks or ():
            evs.append((ts, "mail_click", lid, "127.0.0.1", m.id, gid))
        if r.bounced:
            evs.append((r.bounced, "mail_bounce", "hardbounce", "smtp; 550 5.1.1 user unknown", m.id, gid))
        if r.unsubscribed:
            evs.append((r.unsubscribed, "user_unsubscribe", "0", "127.0.0.1", m.id, gid))
        evs.sort(key=lambda e: e[0])
        return evs

    def report_receivers(self, account: Account, rid: str, state: str, page: int = 0,
                         pagesize: int | None = None, from_: int | None = None, to: int | None = None,
                         linkid: str | None = None, detail: int = 0, raw: bool = False) -> list[dict] | RawJSON:
        with self.lock:
            m = self._report(account, rid)
            if state not in REPORT_STATES:
                raise ApiError(400, "Bad Request: invalid state")
            s = self.settings
            if pagesize is None:
                pagesize = s.default_pagesize
            if pagesize > s.report_max_pagesize:
                if s.report_pagesize_policy == "reject":
                    raise ApiError(400, "Bad Request: pagesize too large")
                pagesize = s.report_max_pagesize
            if pagesize < 1:
                raise ApiError(400, "Bad Request: invalid pagesize")
            if page < 0:
                raise ApiError(400, "Bad Request: invalid page")
            linkid = str(linkid) if linkid not in (None, "") else None
            key = (state, from_, to, linkid)
            rows = m.cache.get(key)
            if rows is None:
                lo = from_ if from_ is not None else -1
                hi = to if to is not None else 1 << 62

                def inr(ts: int) -> bool:
                    return lo <= ts <= hi

                rows = []
                for r in m.recipients:
                    if state == "sent" or state == "notopened" or state == "notclicked":
                        if state == "notopened" and r.opened:
                            continue
                        if state == "notclicked" and any(
                                linkid is None or lid == linkid for lid, _ in r.clicks or ()):
                            continue
                        ok = inr(r.sent)
                    elif state == "opened":
                        ok = bool(r.opened) and inr(r.opened)
                    elif state == "clicked":
                        ok = any((linkid is None or lid == linkid) and inr(ts) for lid, ts in r.clicks or ())
                    elif state == "bounced":
                        ok = bool(r.bounced) and inr(r.bounced)
                    else:
                        ok = bool(r.unsubscribed) and inr(r.unsubscribed)
                    if ok:
                        rows.append(r)
                m.cache[key] = rows
            chunk = rows[page * pagesize:(page + 1) * pagesize]
            overrides = {r.receiver: self._report_events(m, r) for r in chunk if r.receiver.deleted}
            if raw:
                return self.receivers_json([r.receiver for r in chunk], detail, overrides)
            return [self.render_receiver(r.receiver, detail, events_override=overrides.get(r.receiver))
                    for r in chunk]

    # ------------------------------------------------------------------ bounces / blacklist

    def list_bounces(self, account: Account, page: int = 0, pagesize: int | None = None) -> list[dict]:
        with self.lock:
            pagesize = pagesize or self.settings.default_pagesize
            if pagesize > self.settings.max_pagesize:
                raise ApiError(400, "Bad Request: pagesize too large")
            if page < 0 or pagesize < 1:
                raise ApiError(400, "Bad Request: invalid page")
            items = sorted(account.bounces.values(), key=lambda b: b["last_update"], reverse=True)
            return [dict(b) for b in items[page * pagesize:(page + 1) * pagesize]]

    def list_blacklist(self, account: Account) -> list[dict]:
        with self.lock:
            return [dict(b) for b in account.blacklist.values()]

    def get_blacklisted(self, account: Account, email: str) -> dict:
        with self.lock:
            entry = account.blacklist.get(email.strip().lower())
            if entry is None:
                raise ApiError(404, "Not Found: invalid email")
            return dict(entry)

    def add_blacklist(self, account: Account, data: Any) -> dict:
        with self.lock:
            email = data.get("email") if isinstance(data, dict) else None
            if not is_valid_email(email):
                raise ApiError(400, f"Bad Request: invalid address '{email or ''}'")
            entry = {"email": email.strip(), "comment": str(data.get("comment", "") or ""), "stamp": self.now()}
            account.blacklist[email.strip().lower()] = entry
            return dict(entry)

    def remove_blacklist(self, account: Account, email: str) -> bool:
        with self.lock:
            if account.blacklist.pop(email.strip().lower(), None) is None:
                raise ApiError(404, "Not Found: invalid email")
            return True

    # ------------------------------------------------------------------ dumps (control API)

    def _compact(self, rec: Receiver) -> dict:
        account = rec.group.account
        ga = rec.gattrs or {}
        la = rec.lattrs or {}
        return {
            "id": rec.id, "email": rec.email, "group_id": rec.group.id, "active": rec.active,
            "registered": rec.registered, "activated": rec.activated, "deactivated": rec.deactivated,
            "bounced": rec.bounced, "unsubscribed": rec.user_unsub, "source": rec.source,
            "last_changed": rec.last_changed,
            "global_attributes": {a.name: ga[a.id] for a in account.attrs.values() if a.id in ga},
            "attributes": {a.name: la[a.id] for a in rec.group.attrs.values() if a.id in la},
            "tags": list(rec.tags or ()), "events": len(rec.events or ()),
        }

    def group_receivers_dump(self, gid: str) -> list[dict]:
        with self.lock:
            g = self.groups.get(str(gid))
            if g is None:
                raise ApiError(404, "Not Found: invalid group")
            return [self._compact(r) for r in g.receivers.values()]

    def dump(self, receivers: bool = True) -> dict:
        with self.lock:
            accounts = []
            for a in self.accounts.values():
                accounts.append({
                    "client_id": a.client_id, "account_id": a.account_id,
                    "name": a.info.get("name", ""), "email": a.info.get("email", ""),
                    "attributes": [x.to_json() for x in a.attrs.values()],
                    "groups": [dict(g.to_json(),
                                    attributes=[x.to_json() for x in g.attrs.values()],
                                    receiver_count=len(g.receivers),
                                    **({"receivers": [self._compact(r) for r in g.receivers.values()]}
                                       if receivers else {}))
                               for g in a.groups.values()],
                    "mailings": [dict(m.to_json(), links=list(m.links), recipients=len(m.recipients))
                                 for m in a.mailings.values()],
                    "bounces": [dict(b) for b in a.bounces.values()],
                    "blacklist": [dict(b) for b in a.blacklist.values()],
                    "tokens": {"active": sum(1 for t in a.tokens if t.kind == "access" and not t.revoked
                                             and t.expires > self.now()),
                               "issued": sum(1 for t in a.tokens if t.kind == "access")},
                })
            return {"now": self.now(), "settings": self.settings.to_dict(), "accounts": accounts}
