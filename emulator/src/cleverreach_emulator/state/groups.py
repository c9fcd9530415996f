"""Groups: list, create, update, delete, clear, stats."""

from __future__ import annotations

from ..model import Account, ApiError, Group
from .core import StateCore


class GroupOps(StateCore):
    """Groups: list, create, update, delete, clear, stats."""

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

    def get_group(self, account: Account, gid: str) -> dict | list:
        """One group; a deleted or unknown one is a 404 or, with ``deleted_group_response ==
        "empty_list"``, an empty list (which CleverReach's SDK also reads as "not found")."""
        with self.lock:
            group = self.groups.get(str(gid))
            if (group is None or group.account is not account) \
                    and self.settings.deleted_group_response == "empty_list":
                return []
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
