"""Receivers: single and bulk writes, (de)activation, deletes."""

from __future__ import annotations

from typing import Any

from ..model import Account, ApiError, Group, RawJSON, Receiver, as_int, attr_value, is_valid_email
from .core import StateCore


class ReceiverWriteOps(StateCore):
    """Receivers: single and bulk writes, (de)activation, deletes."""

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
                value = attr_value(value)
            if value == "":
                if store:
                    store.pop(aid, None)
            else:
                if store is None:
                    if local:
                        store = rec.lattrs = {}
                    else:
                        store = self._global_values_for(rec)
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

    @staticmethod
    def _activated_zero(rec: Receiver, policy: str, now: int) -> None:
        """``activated: 0`` for an existing receiver: what the official cores use to deactivate
        ("deactivate"), or a return to pending ("pending"); a user unsubscribe or bounce stays."""
        if policy == "deactivate":
            if not rec.deactivated:
                rec.deactivated = now
        elif not rec.locked:
            rec.activated = 0
            rec.deactivated = 0

    def _apply_write(self, rec: Receiver, item: dict, is_new: bool, now: int, replace_tags: bool) -> None:
        if is_new:
            rec.registered = as_int(item.get("registered"), now) or now
            if "activated" in item:  # explicit: 0 = pending (double opt-in), a timestamp = active
                rec.activated = as_int(item.get("activated"))
            else:
                rec.activated = now if self.settings.insert_without_activated == "active" else 0
            rec.deactivated = as_int(item.get("deactivated"))
            rec.source = str(item.get("source") or "RESTful API")
        else:
            if "registered" in item and as_int(item["registered"]) > 0:
                rec.registered = as_int(item["registered"])
            if "source" in item and item["source"] is not None:
                rec.source = str(item["source"])
            deact = as_int(item["deactivated"]) if "deactivated" in item else None
            act = as_int(item["activated"]) if "activated" in item else None
            zero_policy = self.settings.activated_zero_on_existing
            if act == 0 and zero_policy == "ignore":
                act = None
            if deact:  # an API deactivation
                if not rec.deactivated:
                    rec.deactivated = deact
            elif act == 0:
                self._activated_zero(rec, zero_policy, now)
            elif not rec.locked:
                if act:
                    if not rec.activated or rec.deactivated:
                        rec.activated = act
                    rec.deactivated = 0
                elif deact == 0 and rec.deactivated:
                    rec.deactivated = 0
                    if not rec.activated:
                        rec.activated = now
        if "imported" in item:
            rec.imported = as_int(item["imported"])
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
        rec.gattrs = self._shared_global_values(group.account, rec.key)
        if group.account.hooks_primed:
            rec.hook_seen = "new"
            self._hook_mark(rec, "new")
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
                email = self.stored_email(raw) if is_valid_email(raw) else None
                if email is None:
                    results.append(f"invalid address '{shown}';")
                    continue
                key = email.lower()
                if key in seen:
                    results.append(f"duplicate address '{shown}'")
                    continue
                seen.add(key)
                rec = self.by_email(group, key)
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
            email = self.stored_email(raw) if is_valid_email(raw) else None
            if email is None:
                raise ApiError(400, f"Bad Request: invalid address '{raw if raw is not None else ''}'")
            now = self.now()
            rec = self.by_email(group, email)
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
        if rec.hook_seen is not None:
            self._hook_mark(rec, "deleted")

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
        """Delete a list of receivers, one result per item. In a group the items match by
        ``delete_by``; the account-wide ``POST /receivers/delete`` takes e-mails (CORE3)."""
        items = self.unwrap_items(body, "receivers")
        with self.lock:
            group = self.group(account, gid) if gid is not None else None
            if len(items) > self.settings.batch_limit:
                raise ApiError(413, f"Request Entity Too Large: max {self.settings.batch_limit} receivers per call")
            now = self.now()
            out: list = []
            touched: set = set()
            by_id_only = group is not None and self.settings.delete_by == "id"
            for item in items:
                if isinstance(item, dict):
                    ref = item.get("id") if by_id_only else item.get("email", item.get("id"))
                else:
                    ref = item
                ref = "" if ref is None else str(ref)
                if group is not None:
                    if by_id_only:
                        rec = group.receivers.get(ref.strip()) if ref.strip() else None
                    else:
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
