"""The base of the state: the lock, the clock, reset and ids, events and receiver rendering."""

from __future__ import annotations

import bisect
import gc
import threading
import time
from collections.abc import Iterable
from typing import Any

from ..model import (
    RECEIVER_JSON_FORMAT, Account, ApiError, Attribute, Group, Mailing, RawJSON, Receiver, Token,
    attr_spec, dumps_compact, encode_string, vals_json,
)
from ..idn import lookup_keys, stored_spelling
from ..seed import load_seed
from ..settings import EmulatorSettings


class StateLock:
    """The state's one re-entrant lock; when the outermost holder lets go, ``on_release`` runs (still
    holding it), so that what a whole operation changed can be looked at once (event hooks)."""

    __slots__ = ("_lock", "_depth", "on_release")

    def __init__(self, on_release=None):
        self._lock = threading.RLock()
        self._depth = 0
        self.on_release = on_release

    def __enter__(self) -> "StateLock":
        self._lock.acquire()
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._depth == 1 and self.on_release is not None:
                self.on_release()
        finally:
            self._depth -= 1
            self._lock.release()


class StateCore:
    """The base of the state: the lock, the clock, reset and ids, events and receiver rendering."""

    def __init__(self, settings: EmulatorSettings | dict | None = None, seed: Any = None):
        if isinstance(settings, dict):
            settings = EmulatorSettings().updated(settings)
        self.base_settings: EmulatorSettings = settings or EmulatorSettings()
        self._hook_dirty: dict[Receiver, list[str]] = {}
        self.lock = StateLock(self._on_unlock)
        self.clock_offset = 0.0
        self.reset(seed)

    # ------------------------------------------------------------------ basics

    def by_email(self, group: Group, email: str) -> Receiver | None:
        """The group's receiver of an address (case-insensitive), under the spellings ``idn_spelling`` finds
        (``cleverreach_emulator.idn``)."""
        for key in lookup_keys(email, self.settings.idn_spelling):
            rec = group.by_email.get(key)
            if rec is not None:
                return rec
        return None

    def stored_email(self, email: str) -> str | None:
        """The spelling a valid written address is stored under; None when ``idn_spelling`` refuses it."""
        return stored_spelling(email.strip(), self.settings.idn_spelling)

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
            self._hook_dirty = {}
            self._next = {"account": 100001, "group": 1001, "receiver": 3000001,
                          "attribute": 1111701, "mailing": 5001}
            self._reserve_ids(data)
            for acc in data.get("accounts", []):
                self._load_account(acc)
            self._gc_settle(len(self.receivers))

    def update_settings(self, changes: dict) -> EmulatorSettings:
        with self.lock:
            scope = self.settings.global_attribute_scope
            self.settings = self.settings.updated(changes)
            if self.settings.global_attribute_scope != scope:
                self._rescope_global_values()
            return self.settings

    # ------------------------------------------------------------------ global attribute values

    def _global_values_for(self, rec: Receiver) -> dict:
        """The dict that holds ``rec``'s global attribute values, made on the first write.

        With ``global_attribute_scope == "account"`` every membership of the address in the account
        shares one dict, so a value written through group A shows on the same address in group B."""
        store = rec.gattrs
        if store is not None:
            return store
        if self.settings.global_attribute_scope != "account":
            store = rec.gattrs = {}
            return store
        account = rec.group.account
        store = account.global_values.get(rec.key)
        if store is None:
            store = account.global_values[rec.key] = {}
            for group in account.groups.values():
                member = group.by_email.get(rec.key)
                if member is not None:
                    member.gattrs = store
        rec.gattrs = store
        return store

    def _shared_global_values(self, account: Account, key: str) -> dict | None:
        """The account-wide values of an address for a receiver created now (None in group scope)."""
        if self.settings.global_attribute_scope != "account":
            return None
        return account.global_values.get(key)

    def _rescope_global_values(self) -> None:
        """Re-link the stored values after ``global_attribute_scope`` changed at run time: into one
        dict per address (the later group wins a conflict), or into a copy per membership."""
        shared = self.settings.global_attribute_scope == "account"
        for account in self.accounts.values():
            account.global_values = {}
            for group in account.groups.values():
                for rec in group.receivers.values():
                    if rec.gattrs is None:
                        continue
                    if shared:
                        account.global_values.setdefault(rec.key, {}).update(rec.gattrs)
                    else:
                        rec.gattrs = dict(rec.gattrs)
            if shared:
                for group in account.groups.values():
                    for rec in group.receivers.values():
                        rec.gattrs = account.global_values.get(rec.key)

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

    # ------------------------------------------------------------------ events

    def _on_unlock(self) -> None:
        """Runs when an operation ends (the outermost lock section); the event hooks look at its changes."""

    def _hook_mark(self, rec: Receiver, hint: str) -> None:
        """Note a change of a tracked receiver (``hook_seen`` set): every change passes here, through
        :meth:`_add_event`, ``_new_receiver`` or ``_delete_receiver``; :meth:`_on_unlock` judges them."""
        hints = self._hook_dirty.get(rec)
        if hints is None:
            self._hook_dirty[rec] = [hint]
        else:
            hints.append(hint)

    def _add_event(self, rec: Receiver, ev: tuple) -> None:
        if rec.hook_seen is not None:
            self._hook_mark(rec, ev[1] if ev[1] != "api" else ev[2])
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
            specs = (attr_spec(group.attrs), attr_spec(group.account.attrs))
        (lspec, lempty), (gspec, gempty) = specs
        n_sent = rec.n_sent
        out = RECEIVER_JSON_FORMAT % (
            encode_string(rec.id), encode_string(rec.email), encode_string(group.id), rec.registered, rec.activated,
            rec.deactivated, rec.bounced, rec.imported, rec.last_changed, encode_string(rec.last_ip),
            encode_string(rec.last_location), encode_string(rec.last_client), rec.points, rec.stars,
            encode_string(rec.source),
            "true" if rec.activated > 0 and rec.deactivated == 0 and rec.bounced == 0 else "false",
            repr(round(rec.n_open / n_sent, 4)) if n_sent else "0",
            repr(round(rec.n_click / n_sent, 4)) if n_sent else "0",
            vals_json(rec.lattrs, lspec, lempty), vals_json(rec.gattrs, gspec, gempty))
        if tags or detail & 4:
            out += ',"tags":' + dumps_compact(list(rec.tags or ()))
        if events or detail & 1:
            evs = events_override if events_override is not None else (rec.events or ())
            out += ',"events":' + dumps_compact([self._event_json(e) for e in evs])
        if detail & 2:
            out += ',"orders":' + dumps_compact(list(rec.orders or ()))
        return out + "}"

    def receivers_json(self, recs: Iterable[Receiver], detail: int = 0, overrides: dict | None = None) -> RawJSON:
        """A JSON array of receivers (all of one group or mixed)."""
        parts = []
        specs_by_group: dict = {}
        for r in recs:
            g = r.group
            specs = specs_by_group.get(g)
            if specs is None:
                specs = specs_by_group[g] = (attr_spec(g.attrs), attr_spec(g.account.attrs))
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
