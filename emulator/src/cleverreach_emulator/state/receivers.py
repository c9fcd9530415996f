"""Receivers: look-ups and the paged listing."""

from __future__ import annotations

from typing import Any

from ..model import RECEIVER_ORDER_FIELDS, TYPE_FILTERS, Account, ApiError, Group, RawJSON, Receiver
from .core import StateCore


class ReceiverReadOps(StateCore):
    """Receivers: look-ups and the paged listing."""

    # ------------------------------------------------------------------ receivers: lookup

    def _find_in_group(self, group: Group, ref: str) -> Receiver | None:
        ref = str(ref).strip()
        if "@" in ref:
            return self.by_email(group, ref)
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
            return [rec for g in account.groups.values() if (rec := self.by_email(g, ref)) is not None]
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
        filt = TYPE_FILTERS[type_]
        recs = list(group.receivers.values())
        if filt is not None:
            recs = [r for r in recs if filt(r)]
        if order_by:
            fld, desc = order_by.split(":")
            recs.sort(key=RECEIVER_ORDER_FIELDS[fld], reverse=desc == "desc")
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
        if fld not in RECEIVER_ORDER_FIELDS or direction not in ("asc", "desc") or len(parts) > 2:
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
            if type_ not in TYPE_FILTERS:
                raise ApiError(400, "Bad Request: invalid type")
            order = self.parse_order_by(order_by)
            group = self.group(account, gid)
            if email_list or id_list:
                recs: list[Receiver] = []
                seen: set[str] = set()
                for e in (email_list or "").split(","):
                    r = self.by_email(group, e) if e.strip() else None
                    if r is not None and r.id not in seen:
                        seen.add(r.id)
                        recs.append(r)
                for i in (id_list or "").split(","):
                    r = group.receivers.get(i.strip())
                    if r is not None and r.id not in seen:
                        seen.add(r.id)
                        recs.append(r)
                filt = TYPE_FILTERS[type_]
                if filt is not None:
                    recs = [r for r in recs if filt(r)]
                if order:
                    fld, desc = order.split(":")
                    recs.sort(key=RECEIVER_ORDER_FIELDS[fld], reverse=desc == "desc")
            else:
                recs = self._snapshot(group, type_, order)
            if s.receivers_page_clamp:  # a server that silently serves shorter pages
                pagesize = min(pagesize, s.receivers_page_clamp)
            start = page * pagesize
            chunk = recs[start:start + pagesize]
            if raw:
                return self.receivers_json(chunk, detail)
            return [self.render_receiver(r, detail) for r in chunk]
