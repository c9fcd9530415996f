"""What importing a tenant's CleverReach groups changes in ``recipient_list``: a pure function.

Rules (contract): a new group becomes a list with CleverReach's name; an existing list keeps its
local name and description (they may have been edited in the CRM) and only gets its member count
refreshed; a list whose group is gone is marked (``remote_deleted_at``), never deleted; a group that
reappears is unmarked. The external id (group id) never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RemoteGroup:
    external_id: str
    name: str
    member_count: int | None = None
    description: str | None = None

    @classmethod
    def from_api(cls, group: dict[str, Any], stats: dict[str, Any] | None) -> RemoteGroup:
        count = (stats or {}).get("total_count")
        return cls(
            external_id=str(group["id"]),
            name=str(group.get("name") or f"CleverReach group {group['id']}"),
            member_count=int(count) if count is not None else None,
            description=(str(group.get("receiver_info")).strip() or None) if group.get("receiver_info") else None,
        )


@dataclass(frozen=True)
class LocalList:
    id: int
    external_id: str
    name: str
    remote_deleted: bool = False


@dataclass
class ListImportPlan:
    create: list[RemoteGroup] = field(default_factory=list)
    refresh: list[tuple[LocalList, RemoteGroup]] = field(default_factory=list)
    mark_deleted: list[LocalList] = field(default_factory=list)

    @property
    def revived(self) -> list[LocalList]:
        return [local for local, _ in self.refresh if local.remote_deleted]

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.create),
            "refreshed": len(self.refresh),
            "revived": len(self.revived),
            "marked_deleted": len(self.mark_deleted),
        }


def plan_list_import(local: list[LocalList], remote: list[RemoteGroup]) -> ListImportPlan:
    """Match lists and groups by external id and say what to create, refresh and mark."""
    by_external_id = {item.external_id: item for item in local}
    remote_ids = {group.external_id for group in remote}
    plan = ListImportPlan()
    for group in sorted(remote, key=lambda g: g.external_id):
        existing = by_external_id.get(group.external_id)
        if existing is None:
            plan.create.append(group)
        else:
            plan.refresh.append((existing, group))
    plan.mark_deleted = [
        item for item in sorted(local, key=lambda i: i.external_id)
        if item.external_id not in remote_ids and not item.remote_deleted
    ]
    return plan
