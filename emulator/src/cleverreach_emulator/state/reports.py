"""Reports, report receivers, bounces and the blacklist."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..model import REPORT_STATES, Account, ApiError, Mailing, RawJSON, Recipient, is_valid_email
from .core import StateCore


class ReportOps(StateCore):
    """Reports, report receivers, bounces and the blacklist."""

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
            if s.report_page_clamp:  # a server that silently serves shorter pages
                pagesize = min(pagesize, s.report_page_clamp)
            linkid = str(linkid) if linkid not in (None, "") else None
            if state == "clicked" and linkid is None and s.clicks_without_linkid == "none":
                return RawJSON("[]") if raw else []
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
