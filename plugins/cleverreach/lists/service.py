"""Import one tenant's CleverReach groups as CRM recipient lists: the hook's reads, the pure plan, the store's writes."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from cleverreach.audit.actor import Actor
from cleverreach.exceptions import CleverReachNotFoundError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.lists.plan import RemoteGroup, plan_list_import
from cleverreach.lists.store import ListStore

log = logging.getLogger(__name__)

EXT_ID_DESCRIPTION = "hyperspace CRM contact person id"


class ListImport:
    """One tenant's list import. Build it per tenant; call :meth:`run`."""

    def __init__(self, cleverreach: CleverReachHook, store: ListStore, *, tenant_id: str, actor: Actor,
                 logger: logging.Logger | None = None) -> None:
        self.cr = cleverreach
        self.store = store
        self.tenant_id = tenant_id
        self.actor = actor
        self.log = logger or log

    def run(self) -> dict[str, Any]:
        """Make sure ``ext_id`` exists, read the groups with their counts, plan and write the import."""
        ext_id = self.cr.settings.ext_id_attribute
        for name in self.cr.ensure_global_attributes({ext_id: EXT_ID_DESCRIPTION}):
            self.log.info("Tenant %s: created the global attribute %r in CleverReach", self.tenant_id, name)
        remote = [RemoteGroup.from_api(group, self.cr.group_stats(str(group["id"]))) for group in self.cr.list_groups()]
        plan = plan_list_import(self.store.local_lists(self.tenant_id), remote)
        plan = replace(plan, mark_deleted=[local for local in plan.mark_deleted if self._confirmed_gone(local.external_id)])
        self.store.apply_import(self.tenant_id, plan, actor=self.actor)
        return {"tenant_id": self.tenant_id, "groups": len(remote), **plan.counts()}

    def _confirmed_gone(self, group_id: str) -> bool:
        """A group missing from the group list is marked only when a read of the group itself confirms it."""
        try:
            self.cr.get_group(group_id)
        except CleverReachNotFoundError:
            return True
        self.log.warning("Tenant %s: group %s was missing from the group list but answers; not marked",
                         self.tenant_id, group_id)
        return False
