"""The shared model: errors, value helpers and the plain objects (Token, Attribute, Receiver, Group,
Mailing, Recipient, Account) that both :mod:`.seed` and the state use. No state logic here."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Any

__all__ = ["ApiError", "OAuthError", "RawJSON", "is_valid_email", "token_fingerprint", "Token", "Attribute",
           "Receiver", "Group", "Recipient", "Mailing", "Account", "MAILING_STATES", "REPORT_STATES",
           "ATTRIBUTE_TYPES"]


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


encode_string = json.encoder.encode_basestring  # C accelerated; same output as json.dumps(ensure_ascii=False)

RECEIVER_JSON_FORMAT = ('{"id":%s,"email":%s,"group_id":%s,"registered":%d,"activated":%d,"deactivated":%d,'
            '"bounced":%d,"imported":%d,"last_changed":%d,"last_ip":%s,"last_location":%s,'
            '"last_client":%s,"points":%d,"stars":%d,"source":%s,"active":%s,"conversion_rate":0,'
            '"open_rate":%s,"click_rate":%s,"attributes":%s,"global_attributes":%s')


def dumps_compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def attr_spec(pool: dict) -> tuple[list, str]:
    spec = [(a.id, encode_string(a.name)) for a in pool.values()]
    return spec, "{" + ",".join([n + ':""' for _, n in spec]) + "}"


def vals_json(vals: dict | None, spec: list, empty: str) -> str:
    if not vals or not spec:
        return empty
    get = vals.get
    return "{" + ",".join([n + ":" + encode_string(get(aid, "")) for aid, n in spec]) + "}"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def as_int(value: Any, default: int = 0) -> int:
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


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def norm_attr_name(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip()).lower()


def attr_value(value: Any) -> str:
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
        "n_sent", "n_open", "n_click", "hook_seen",
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
        #: for event hooks: the activity last announced (True/False), "new", or None (not tracked)
        self.hook_seen: bool | str | None = None

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
        #: address (lower case) -> global attribute values, shared by every membership of the address
        #: while ``global_attribute_scope`` is "account"
        self.global_values: dict[str, dict] = {}
        #: registered event hooks (``state.eventhooks``); once primed, receiver changes are tracked
        self.eventhooks: list = []
        self.hooks_primed = False

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


def _receiver_number(r: Receiver) -> int:
    return int(r.id) if r.id.isdigit() else 0


#: ``order_by`` field -> sort key; ties break on the receiver id, so that pages stay stable
RECEIVER_ORDER_FIELDS = {
    "id": _receiver_number,
    "email": lambda r: (r.key, _receiver_number(r)),
    "registered": lambda r: (r.registered, _receiver_number(r)),
    "activated": lambda r: (r.activated, _receiver_number(r)),
    "deactivated": lambda r: (r.deactivated, _receiver_number(r)),
    "bounced": lambda r: (r.bounced, _receiver_number(r)),
    "imported": lambda r: (r.imported, _receiver_number(r)),
    "last_changed": lambda r: (r.last_changed, _receiver_number(r)),
    "points": lambda r: (r.points, _receiver_number(r)),
    "stars": lambda r: (r.stars, _receiver_number(r)),
}

TYPE_FILTERS = {
    "all": None,
    "active": lambda r: r.active,
    "inactive": lambda r: not r.active and r.bounced == 0,
    "bounce": lambda r: r.bounced > 0,
}

REPORT_STATES = ("sent", "opened", "notopened", "clicked", "notclicked", "bounced", "unsubscribed")

ATTRIBUTE_TYPES = ("text", "number", "gender", "date")
