"""What the control API does: user-side actions (unsubscribe, bounce, sign-up), accounts, dumps."""

from __future__ import annotations

from typing import Any

from ..model import Account, ApiError, Receiver, is_valid_email, iso, norm_attr_name
from ..seed import validate_account
from .core import StateCore


class ControlOps(StateCore):
    """What the control API does: user-side actions (unsubscribe, bounce, sign-up), accounts, dumps."""

    # ------------------------------------------------------------------ user-side actions (control API)

    def _emails_receivers(self, account: Account, email: str, group_id: Any) -> list[Receiver]:
        key = str(email).strip().lower()
        if group_id not in (None, "", 0, "0"):
            group = self.group(account, str(group_id))
            rec = self.by_email(group, key)
            return [rec] if rec else []
        return [rec for g in account.groups.values() if (rec := self.by_email(g, key)) is not None]

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
        entry.update({"last_update": now, "last_update_gmt": iso(now), "expires_by": expires,
                      "expires_by_gmt": iso(expires), "bounce_message": message,
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
            stored = self.stored_email(email) if is_valid_email(email) else None
            if stored is None:
                raise ApiError(400, f"Bad Request: invalid address '{email}'")
            now = self.now()
            rec = self.by_email(group, stored)
            if rec is None:
                rec = self._new_receiver(group, stored)
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
                a = account.attr_by_name(norm_attr_name(name))
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
                    self._global_values_for(rec).update({aid: str(v).format(n=n) for aid, v in ga.items()})
                created += 1
            group.touch(now)
            self._gc_settle(created)
            return {"created": created, "total": len(group.receivers)}

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
