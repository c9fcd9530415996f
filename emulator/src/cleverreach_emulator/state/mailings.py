"""Mailings and the events a sent mailing records."""

from __future__ import annotations

from typing import Any

from ..model import MAILING_STATES, Account, ApiError, Mailing, Receiver, Recipient, as_int
from .core import StateCore


class MailingOps(StateCore):
    """Mailings and the events a sent mailing records."""

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
            rec = self.by_email(g, key) if g is not None else None
            if rec is not None:
                return rec
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
            finished = as_int(data.get("finished"), self.now()) or self.now()
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
            mailing.stamp = as_int(data.get("stamp"), finished)
            mailing.started = as_int(data.get("started"), finished)
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
                stamp = as_int(entry.get("stamp"), finished) if isinstance(entry, dict) else finished
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
            if self.settings.mailings_limit_clamp:  # a server that silently returns fewer
                limit = min(limit, self.settings.mailings_limit_clamp)
            window_on = self.settings.mailings_window_on  # "stamp", "started" or "finished"
            states = MAILING_STATES if state == "all" else (state,)
            out: dict[str, list] = {s: [] for s in states}
            ms = sorted(account.mailings.values(),
                        key=lambda m: (m.finished if m.state == "finished" else m.stamp), reverse=True)
            for m in ms:
                if m.state not in out:
                    continue
                t = getattr(m, window_on)
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
