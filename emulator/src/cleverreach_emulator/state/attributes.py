"""Global and group-local attributes."""

from __future__ import annotations

from typing import Any

from ..model import ATTRIBUTE_TYPES, Account, ApiError, Attribute, Group, attr_value, norm_attr_name
from ..seed import SeedError
from .core import StateCore


class AttributeOps(StateCore):
    """Global and group-local attributes."""

    # ------------------------------------------------------------------ attributes

    def _create_attribute(self, account: Account, group: Group | None, data: dict,
                          check_limit: bool = True, explicit_id: Any = None) -> Attribute:
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: invalid data")
        raw = data.get("name")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: name missing")
        name = norm_attr_name(raw)
        type_ = str(data.get("type") or "text").lower()
        if type_ not in ATTRIBUTE_TYPES:
            raise ApiError(400, f"Bad Request: invalid type '{type_}'")
        if account.attr_by_name(name, group) is not None:
            raise ApiError(409, "Conflict: attribute already exists")
        if check_limit and self.settings.max_attributes:
            used = len(account.attrs) + sum(len(g.attrs) for g in account.groups.values())
            if used >= self.settings.max_attributes:
                raise ApiError(403, "Forbidden: attribute limit reached")
        if explicit_id is not None:
            aid = int(explicit_id)
            if aid in self.attributes:
                raise SeedError(f"duplicate attribute id {aid}")
        else:
            aid = int(self._new_id("attribute", {}))
            while aid in self.attributes:
                aid = int(self._new_id("attribute", {}))
        attr = Attribute(aid, group, name, type_, str(data.get("description") or raw.strip()),
                         attr_value(data.get("preview_value")), attr_value(data.get("default_value")))
        self.attributes[aid] = attr
        owner = account if group is None else group
        owner.attrs[aid] = attr
        owner.attr_idx = None
        return attr

    def _attr_scope(self, account: Account, group_id: Any) -> Group | None:
        if group_id in (None, "", "0", 0):
            return None
        return self.group(account, str(group_id))

    def list_attributes(self, account: Account, group_id: Any = None) -> list[dict]:
        with self.lock:
            group = self._attr_scope(account, group_id)
            pool = account.attrs if group is None else group.attrs
            return [a.to_json() for a in pool.values()]

    def create_attribute(self, account: Account, data: dict, group_id: Any = None) -> dict:
        with self.lock:
            group = self._attr_scope(account, group_id)
            attr = self._create_attribute(account, group, data)
            if self.settings.attribute_create_response == "full":
                return attr.to_json()
            return {"id": attr.id}

    def _attribute(self, account: Account, aid: Any, group_id: Any = None) -> Attribute:
        try:
            attr = self.attributes.get(int(aid))
        except (TypeError, ValueError):
            attr = None
        if attr is None:
            raise ApiError(404, "Not Found: invalid attribute")
        owner = attr.group.account if attr.group is not None else None
        if owner is None:
            if account.attrs.get(attr.id) is not attr:
                raise ApiError(404, "Not Found: invalid attribute")
        elif owner is not account:
            raise ApiError(404, "Not Found: invalid attribute")
        if group_id not in (None, "", "0", 0) and (attr.group is None or attr.group.id != str(group_id)):
            raise ApiError(404, "Not Found: invalid attribute")
        return attr

    def get_attribute(self, account: Account, aid: Any, group_id: Any = None) -> dict:
        with self.lock:
            return self._attribute(account, aid, group_id).to_json()

    def update_attribute(self, account: Account, aid: Any, data: dict, group_id: Any = None) -> dict:
        with self.lock:
            attr = self._attribute(account, aid, group_id)
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: invalid data")
            if "name" in data:
                if not isinstance(data["name"], str) or not data["name"].strip():
                    raise ApiError(400, "Bad Request: name missing")
                name = norm_attr_name(data["name"])
                other = account.attr_by_name(name, attr.group)
                if other is not None and other is not attr:
                    raise ApiError(409, "Conflict: attribute already exists")
                attr.name = name
                (account if attr.group is None else attr.group).attr_idx = None
            if "type" in data:
                type_ = str(data["type"]).lower()
                if type_ not in ATTRIBUTE_TYPES:
                    raise ApiError(400, f"Bad Request: invalid type '{type_}'")
                attr.type = type_
            for k in ("description", "preview_value", "default_value"):
                if k in data:
                    setattr(attr, k, attr_value(data[k]))
            return attr.to_json()

    def delete_attribute(self, account: Account, aid: Any, group_id: Any = None) -> bool:
        with self.lock:
            attr = self._attribute(account, aid, group_id)
            del self.attributes[attr.id]
            owner = account if attr.group is None else attr.group
            owner.attrs.pop(attr.id, None)
            owner.attr_idx = None
            return True  # stale values keyed by the dead id are never shown again

    def attribute_limits(self, account: Account) -> dict:
        with self.lock:
            used = len(account.attrs) + sum(len(g.attrs) for g in account.groups.values())
            mx = self.settings.max_attributes
            return {"available": max(0, mx - used) if mx else 9999, "canCreate": (not mx) or used < mx,
                    "max": str(mx) if mx else "unlimited", "used": used}
