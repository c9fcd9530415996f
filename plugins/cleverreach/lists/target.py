"""The list a sync works on, checked once: the tenant owns it and its CleverReach group is not gone.

The operator names a list by a templated key; ``ListStore.sync_target`` checks it and returns a
:class:`ListTarget`, and everything after takes that target instead of a list key and a group id of its own:
nothing parses the key or checks the ownership a second time. Keys are text (``cleverreach.crm.keys``):
``41`` becomes ``"41"``, a text key such as ``"0042"`` stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cleverreach.crm.keys import as_key
from cleverreach.exceptions import RecipientListError


@dataclass(frozen=True)
class ListTarget:
    """One tenant's recipient list and the CleverReach group behind it."""

    tenant_id: str
    list_id: str  # the CRM's key as text (``as_key``)
    group_id: str  # CleverReach's group id, ``recipient_list.external_id``
    name: str | None = None

    @property
    def label(self) -> str:
        """How the log names the list (no personal data)."""
        return f"tenant {self.tenant_id} list {self.list_id} ({self.name}, group {self.group_id})"

    @classmethod
    def of(cls, tenant_id: str, row: Mapping[str, Any]) -> ListTarget:
        """The target of a ``recipient_list`` row the tenant owns; a list whose group is gone is refused
        (``RecipientListError``): there is nothing to sync until the list import finds the group again."""
        list_id = as_key(row["id"])
        if row.get("remote_deleted_at") is not None:
            raise RecipientListError(
                f"recipient list {list_id} of tenant {tenant_id!r} is marked gone since {row['remote_deleted_at']}: "
                f"its CleverReach group {row['external_id']} no longer exists; nothing was read or written"
            )
        return cls(str(tenant_id), list_id, str(row["external_id"]), row.get("name"))
