"""Building the state from a validated seed."""

from __future__ import annotations

from ..model import Account, Group, Mailing, Receiver, as_int, attr_value, norm_attr_name
from ..seed import SeedError
from .core import StateCore


class SeedLoading(StateCore):
    """Building the state from a validated seed."""

    # ------------------------------------------------------------------ seeding

    def _load_account(self, acc: dict) -> Account:
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
        now = self.now()
        gid = str(g["id"]) if g.get("id") is not None else self._new_id("group", self.groups)
        if gid in self.groups:
            raise SeedError(f"duplicate group id {gid!r}")
        group = Group(gid, account, g["name"], as_int(g.get("stamp"), now))
        group.receiver_info = g.get("receiver_info", "")
        group.locked = bool(g.get("locked", False))
        group.backup = bool(g.get("backup", True))
        group.last_changed = as_int(g.get("last_changed"), group.stamp)
        self.groups[gid] = group
        account.groups[gid] = group
        for a in g.get("attributes", []):
            self._create_attribute(account, group, a, check_limit=False, explicit_id=a.get("id"))
        for r in g.get("receivers", []):
            self._load_receiver(group, r, now)
        return group

    def _load_receiver(self, group: Group, r: dict, now: int) -> Receiver:
        email = r["email"].strip()
        key = email.lower()
        if key in group.by_email:
            raise SeedError(f"duplicate email {email!r} in group {group.id}")
        rid = str(r["id"]) if r.get("id") is not None else self._new_id("receiver", self.receivers)
        if rid in self.receivers:
            raise SeedError(f"duplicate receiver id {rid!r}")
        rec = Receiver(rid, email, group)
        rec.gattrs = self._shared_global_values(group.account, key)
        rec.registered = as_int(r.get("registered"), now)
        rec.activated = as_int(r.get("activated"), rec.registered) if "activated" in r else rec.registered
        rec.deactivated = as_int(r.get("deactivated"))
        rec.bounced = as_int(r.get("bounced"))
        rec.imported = as_int(r.get("imported"))
        rec.user_unsub = bool(r.get("unsubscribed", False))
        if rec.user_unsub and not rec.deactivated:
            rec.deactivated = rec.registered or now
        rec.last_changed = as_int(r.get("last_changed"), max(rec.registered, rec.activated,
                                                            rec.deactivated, rec.bounced))
        rec.source = r.get("source", "")
        for k in ("last_ip", "last_location", "last_client"):
            setattr(rec, k, str(r.get(k, "")))
        rec.points = as_int(r.get("points"))
        rec.stars = as_int(r.get("stars"))
        account = group.account
        for name, value in (r.get("global_attributes") or {}).items():
            a = account.attr_by_name(norm_attr_name(name))
            if a is None:
                raise SeedError(f"receiver {email!r}: unknown global attribute {name!r}")
            if attr_value(value) != "":
                self._global_values_for(rec)[a.id] = attr_value(value)
        for name, value in (r.get("attributes") or {}).items():
            a = account.attr_by_name(norm_attr_name(name), group)
            if a is None:
                raise SeedError(f"receiver {email!r}: unknown attribute {name!r} of group {group.id}")
            if attr_value(value) != "":
                if rec.lattrs is None:
                    rec.lattrs = {}
                rec.lattrs[a.id] = attr_value(value)
        tags = [str(t) for t in r.get("tags") or []]
        rec.tags = tags or None
        rec.orders = [dict(o) for o in r.get("orders") or []] or None
        for ev in r.get("events") or []:
            self._add_event(rec, (as_int(ev.get("stamp"), now), str(ev.get("type", "api")),
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
        mailing.stamp = as_int(m.get("stamp"), now)
        mailing.started = as_int(m.get("started"))
        mailing.finished = as_int(m.get("finished"))
        if mailing.state == "finished":
            if not mailing.finished:
                mailing.finished = mailing.started or mailing.stamp
            if not mailing.started:
                mailing.started = mailing.finished
        mailing.last_changed = as_int(m.get("last_changed"),
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
                        self._record_open(mailing, rcp, as_int(item["opened"]))
                    for click in item.get("clicks") or []:
                        self._record_click(mailing, rcp, str(click.get("link_id", "")),
                                           as_int(click.get("stamp"), sent))
                    if item.get("bounced"):
                        self._record_bounce(mailing, rcp, as_int(item["bounced"]),
                                            item.get("bounce_category", "hardbounce"),
                                            item.get("bounce_message"))
                    if item.get("unsubscribed"):
                        self._record_unsubscribe(mailing, rcp, as_int(item["unsubscribed"]))
            for gid in mailing.group_ids:
                g = self.groups[gid]
                g.last_mailing = max(g.last_mailing, mailing.finished or sent)
        return mailing
