"""Seed loading and validation for the CleverReach emulator.

A seed is a dict (or the path of a JSON file holding one) describing the
complete initial state.  Every key except ``client_id``/``client_secret`` of an
account, ``name`` of a group/attribute and ``email`` of a receiver is optional::

    {
      "settings": {"batch_limit": 1000, "max_pagesize": 5000, "report_max_pagesize": 100,
                   "report_pagesize_policy": "clamp", "token_ttl": 2592000,
                   "stats_cache_ttl": 0},              # any EmulatorSettings field
      "accounts": [{
        "client_id": "acme-client", "client_secret": "s3cret",
        "account_id": "100001",                        # generated when missing
        "name": "ACME GmbH", "email": "admin@acme.example",
        # optional whoami fields: firstname, lastname, company, street, zip, city,
        # country, phone, fax, salutation, login_domain, lang
        "attributes": [                                # global attributes
          {"name": "firstname", "type": "text", "description": "First name",
           "preview_value": "", "default_value": "", "id": 1111701}],
        "groups": [{
          "id": "1001",                                # generated when missing
          "name": "Newsletter", "receiver_info": "", "stamp": 1700000000,
          "locked": false, "backup": true,
          "attributes": [{"name": "guideline", "type": "text"}],   # group-local attributes
          "receivers": [{
            "email": "ada@example.com",
            "id": "3000001",                           # generated when missing
            "registered": 1700000000, "activated": 1700000000,   # activated defaults to registered
            "deactivated": 0, "bounced": 0,
            "unsubscribed": false,                     # true = the user unsubscribed (locked)
            "source": "Formular", "imported": 0, "points": 0, "stars": 0,
            "global_attributes": {"firstname": "Ada"},  # names must be defined attributes
            "attributes": {"guideline": "Ja"},
            "tags": ["Shop.Customer"], "orders": [],
            "events": [{"stamp": 1700000000, "type": "api", "type_id": "REST insert",
                        "value": "127.0.0.1", "mailing_id": "0"}]}]}],
        "mailings": [{
          "id": "5001",                                # generated when missing
          "name": "November", "subject": "News", "sender_name": "", "sender_email": "",
          "body_html": "", "body_text": "",
          "state": "finished",                         # draft | finished | waiting | running
          "stamp": 1700000000, "started": 1700003600, "finished": 1700007200,
          "group_ids": ["1001"],
          "links": [{"id": "1", "url": "https://example.com"}],
          "recipients": [{                             # must be receivers of the mailing's groups
            "email": "ada@example.com", "opened": 1700008000,   # ts or null
            "clicks": [{"link_id": "1", "stamp": 1700008100}],
            "bounced": null, "unsubscribed": null}]}],
        "blacklist": ["blocked@example.com"]}]
    }

Semantics:

* Seeding mailing recipients records the matching events on the receivers
  (``mail_send`` at ``started``, ``mail_open``, ``mail_click``, ``mail_bounce``,
  ``user_unsubscribe``). A bounce sets the receiver's ``bounced`` and adds a
  bounce-list entry; an unsubscribe sets ``deactivated`` as a *user*
  unsubscribe (API writes cannot reactivate it).
* ``recipients`` omitted on a finished mailing = it was sent to every active
  receiver of its groups (at ``started``), with no opens or clicks.
* ``unsubscribed: true`` on a receiver without ``deactivated`` sets
  ``deactivated`` to ``registered``.
* Unknown attribute names on seed receivers are an error (unlike the API,
  which silently drops them), so seed typos are caught early.

:func:`load_seed` returns a normalised deep copy, or raises :class:`SeedError`.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from .model import MAILING_STATES, is_valid_email
from .settings import EmulatorSettings

__all__ = ["SeedError", "load_seed", "validate_account", "example_seed"]


class SeedError(ValueError):
    """The seed is malformed."""


_ACCOUNT_KEYS = {"client_id", "client_secret", "account_id", "name", "email", "firstname", "lastname",
                 "company", "street", "zip", "city", "country", "phone", "fax", "salutation",
                 "login_domain", "lang", "attributes", "groups", "mailings", "blacklist"}
_GROUP_KEYS = {"id", "name", "receiver_info", "stamp", "last_changed", "locked", "backup",
               "attributes", "receivers"}
_RECEIVER_KEYS = {"id", "email", "registered", "activated", "deactivated", "bounced", "unsubscribed",
                  "source", "imported", "points", "stars", "global_attributes", "attributes", "tags",
                  "orders", "events", "last_changed", "last_ip", "last_location", "last_client"}
_ATTR_KEYS = {"id", "name", "type", "description", "preview_value", "default_value"}
_MAILING_KEYS = {"id", "name", "subject", "sender_name", "sender_email", "body_html", "body_text",
                 "state", "stamp", "started", "finished", "last_changed", "group_ids", "links",
                 "recipients"}
_RECIPIENT_KEYS = {"email", "opened", "clicks", "bounced", "unsubscribed", "bounce_category",
                   "bounce_message"}


def _need(cond: bool, where: str, msg: str) -> None:
    if not cond:
        raise SeedError(f"{where}: {msg}")


def _keys(d: Any, allowed: set, where: str) -> None:
    _need(isinstance(d, dict), where, "must be an object")
    unknown = set(d) - allowed
    _need(not unknown, where, f"unknown keys {sorted(unknown)}")


def _ts(d: dict, key: str, where: str, nullable: bool = False) -> None:
    if key in d:
        v = d[key]
        ok = (v is None and nullable) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
        _need(ok, where, f"{key} must be a unix timestamp (int)")


def _id(d: dict, where: str) -> None:
    if d.get("id") is not None:
        _need(isinstance(d["id"], (str, int)) and not isinstance(d["id"], bool)
              and str(d["id"]).strip() != "", where, "id must be a string or int")
        d["id"] = str(d["id"]) if not isinstance(d["id"], int) else d["id"]


def _attr(a: Any, where: str) -> None:
    _keys(a, _ATTR_KEYS, where)
    _need(isinstance(a.get("name"), str) and a["name"].strip() != "", where, "name is required")
    if a.get("id") is not None:
        _need(str(a["id"]).isdigit(), where, "attribute id must be numeric")


def validate_account(acc: Any, where: str = "account") -> dict:
    """Validate one account object; returns a normalised copy."""
    acc = copy.deepcopy(acc)
    _keys(acc, _ACCOUNT_KEYS, where)
    for k in ("client_id", "client_secret"):
        _need(isinstance(acc.get(k), str) and acc[k] != "", where, f"{k} is required (string)")
    if acc.get("account_id") is not None:
        acc["account_id"] = str(acc["account_id"])
    for i, a in enumerate(acc.setdefault("attributes", [])):
        _attr(a, f"{where}.attributes[{i}]")
    group_ids = set()
    for gi, g in enumerate(acc.setdefault("groups", [])):
        gw = f"{where}.groups[{gi}]"
        _keys(g, _GROUP_KEYS, gw)
        _id(g, gw)
        _need(isinstance(g.get("name"), str) and g["name"].strip() != "", gw, "name is required")
        _ts(g, "stamp", gw)
        if g.get("id") is not None:
            group_ids.add(str(g["id"]))
        for i, a in enumerate(g.setdefault("attributes", [])):
            _attr(a, f"{gw}.attributes[{i}]")
        _need(isinstance(g.setdefault("receivers", []), list), gw, "receivers must be a list")
        for ri, r in enumerate(g["receivers"]):
            rw = f"{gw}.receivers[{ri}]"
            _keys(r, _RECEIVER_KEYS, rw)
            _id(r, rw)
            _need(is_valid_email(r.get("email")), rw, f"invalid email {r.get('email')!r}")
            for k in ("registered", "activated", "deactivated", "bounced", "imported", "last_changed"):
                _ts(r, k, rw)
            for k in ("global_attributes", "attributes"):
                _need(isinstance(r.get(k, {}), dict), rw, f"{k} must be an object")
            _need(isinstance(r.get("tags", []), list), rw, "tags must be a list")
    for mi, m in enumerate(acc.setdefault("mailings", [])):
        mw = f"{where}.mailings[{mi}]"
        _keys(m, _MAILING_KEYS, mw)
        _id(m, mw)
        if "state" in m:
            _need(m["state"] in MAILING_STATES, mw, f"state must be one of {MAILING_STATES}")
        for k in ("stamp", "started", "finished", "last_changed"):
            _ts(m, k, mw)
        _need(isinstance(m.setdefault("group_ids", []), list), mw, "group_ids must be a list")
        m["group_ids"] = [str(x) for x in m["group_ids"]]
        for li, link in enumerate(m.setdefault("links", [])):
            _need(isinstance(link, dict) and ("url" in link or "link" in link), f"{mw}.links[{li}]",
                  "must be an object with url")
        if m.get("recipients") is not None:
            _need(isinstance(m["recipients"], list), mw, "recipients must be a list")
            for i, rc in enumerate(m["recipients"]):
                rcw = f"{mw}.recipients[{i}]"
                _keys(rc, _RECIPIENT_KEYS, rcw)
                _need(isinstance(rc.get("email"), str), rcw, "email is required")
                for k in ("opened", "bounced", "unsubscribed"):
                    _ts(rc, k, rcw, nullable=True)
                for ci, c in enumerate(rc.get("clicks") or []):
                    _need(isinstance(c, dict) and "link_id" in c, f"{rcw}.clicks[{ci}]",
                          "must be an object with link_id")
                    c["link_id"] = str(c["link_id"])
                    _ts(c, "stamp", f"{rcw}.clicks[{ci}]")
    _need(isinstance(acc.setdefault("blacklist", []), list), where, "blacklist must be a list")
    return acc


def load_seed(source: Any = None) -> dict:
    """Load and validate a seed from a dict, a JSON file path, or None (empty)."""
    if source is None:
        data: Any = {}
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SeedError(f"cannot read seed file {str(path)!r}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise SeedError(f"seed file {str(path)!r} is not valid JSON: {exc}") from exc
    elif isinstance(source, dict):
        data = source
    else:
        raise SeedError("seed must be a dict, a JSON file path or None")
    _keys(data, {"settings", "accounts"}, "seed")
    settings = data.get("settings") or {}
    try:
        EmulatorSettings().updated(settings)
    except ValueError as exc:
        raise SeedError(f"seed.settings: {exc}") from exc
    accounts = data.get("accounts") or []
    _need(isinstance(accounts, list), "seed", "accounts must be a list")
    out_accounts = [validate_account(a, f"seed.accounts[{i}]") for i, a in enumerate(accounts)]
    ids = [a["client_id"] for a in out_accounts]
    _need(len(ids) == len(set(ids)), "seed", "client_id values must be unique")
    return {"settings": dict(settings), "accounts": out_accounts}


def example_seed() -> dict:
    """A small two-account seed used by the CLI when no --seed is given."""
    return {
        "accounts": [
            {"client_id": "demo-client", "client_secret": "demo-secret", "account_id": "100001",
             "name": "ACME GmbH", "email": "admin@acme.example",
             "attributes": [{"name": "firstname", "type": "text", "description": "First name"},
                            {"name": "lastname", "type": "text", "description": "Last name"},
                            {"name": "ext_id", "type": "text", "description": "External ID"}],
             "groups": [{"id": "1001", "name": "Newsletter", "stamp": 1700000000, "receivers": [
                 {"email": "ada@example.com", "registered": 1700000000,
                  "global_attributes": {"firstname": "Ada", "lastname": "Lovelace", "ext_id": "42"}},
                 {"email": "grace@example.com", "registered": 1700000100,
                  "global_attributes": {"firstname": "Grace", "lastname": "Hopper"}}]}]},
            {"client_id": "other-client", "client_secret": "other-secret", "account_id": "100002",
             "name": "Other AG", "email": "admin@other.example",
             "groups": [{"id": "2001", "name": "Other list"}]},
        ]
    }
