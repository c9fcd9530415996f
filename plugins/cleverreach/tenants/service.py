"""The tenant lifecycle's admin actions (rename a tenant id, move a tenant to another CleverReach account): the
rules of ``tenants.lifecycle`` on the reads and writes of ``tenants.lifecycle_store``. The DAG
``cleverreach_tenant_admin`` and the CleverReach page both call :meth:`TenantLifecycle.run`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.clock import utcnow
from cleverreach.enums import AuditAction
from cleverreach.exceptions import TenantNotFoundError
from cleverreach.tenants.lifecycle import (TenantAction, TenantLifecycleError, TenantRequest, live_leases,
                                           refuse_running, rename_verdict)
from cleverreach.tenants.lifecycle_store import TenantLifecycleStore
from cleverreach.tenants.store import Tenant, TenantStore

log = logging.getLogger(__name__)

DEFAULT_LEASE_TIMEOUT = timedelta(seconds=600)  # [cleverreach] lease_timeout_seconds, as the sync's


def lease_timeout_from_config() -> timedelta:
    """``[cleverreach] lease_timeout_seconds``: a sync silent for longer holds no lease (as ``RunLedger`` sees it)."""
    from airflow.sdk import conf

    return timedelta(seconds=conf.getint("cleverreach", "lease_timeout_seconds", fallback=600))


class _Converged(Exception):
    """The rename finds nothing of OLD left: it was done before (a retry) or OLD never had private state."""


class TenantLifecycle:
    def __init__(self, engine: Engine, actor: Actor, *, lease_timeout: timedelta = DEFAULT_LEASE_TIMEOUT,
                 logger: logging.Logger | None = None) -> None:
        self.store = TenantLifecycleStore(engine)
        self.tenants = TenantStore(engine)
        self.actor = actor
        self.lease_timeout = lease_timeout
        self.log = logger or log

    def run(self, request: TenantRequest) -> dict[str, Any]:
        if request.action is TenantAction.RENAME:
            assert request.new_tenant_id is not None
            return self.rename(request.tenant, request.new_tenant_id)
        return self.move(request.tenant)

    def _refuse_running(self, tenant_id: str, conn: Connection | None = None) -> None:
        refuse_running(tenant_id, live_leases(self.store.running_syncs(tenant_id, conn), utcnow(), self.lease_timeout))

    def _active(self, tenant_id: str) -> Tenant | None:
        try:
            return self.tenants.tenant(tenant_id)
        except TenantNotFoundError:
            return None

    # ------------------------------------------------------------------ rename
    def rename(self, old: str, new: str) -> dict[str, Any]:
        """OLD's private state becomes NEW's, in one transaction with its audit event (recorded under NEW)."""
        target = self._active(new)
        old_in_crm = self._active(old) is not None

        def check(store: TenantLifecycleStore, conn: Connection) -> None:
            self._refuse_running(old, conn)
            if not rename_verdict(old, new, old_in_crm=old_in_crm, new_in_crm=target is not None,
                                  old_state=store.state_counts(old, conn), new_state=store.state_counts(new, conn)):
                raise _Converged

        conn_id = target.cleverreach_conn_id if target is not None else ""
        event = AuditEvent(AuditAction.TENANT_RENAMED, new, self.actor, detail={"old_tenant_id": old, "new_tenant_id": new})
        try:
            moved = self.store.rename(old, new, conn_id, event, check=check)
        except _Converged:
            self.log.info("Tenant %s has no private state left to rename to %s: nothing to do", old, new)
            return {"action": "rename", "tenant_id": old, "new_tenant_id": new, "changed": False, "rows": {}}
        self.log.info("Renamed the private state of tenant %s to %s: %s", old, new, moved)
        return {"action": "rename", "tenant_id": old, "new_tenant_id": new, "changed": True, "rows": moved}

    # ------------------------------------------------------------------ move
    def move(self, tenant_id: str) -> dict[str, Any]:
        """Release the account, clear what is known of its groups, mark the lists gone and the members pending."""
        if self._active(tenant_id) is None:
            raise TenantLifecycleError(f"tenant {tenant_id!r} is not an active tenant of the CRM; nothing was changed")
        self._refuse_running(tenant_id)
        accounts = [str(row["account_id"]) for row in self.store.accounts(tenant_id)]
        lists = self.store.lists(tenant_id)
        crm = self.store.lists_gone_and_members_pending(tenant_id, self.actor)
        event = AuditEvent(AuditAction.TENANT_MOVED, tenant_id, self.actor,
                           detail={"account_id": "+".join(accounts) or None, "lists": len(lists), **crm})
        cleared = self.store.forget_account(tenant_id, [row["id"] for row in lists], event,
                                            check=lambda _store, conn: self._refuse_running(tenant_id, conn))
        self.log.info("Moved tenant %s off its CleverReach account(s) %s: %s", tenant_id, ", ".join(accounts) or "none",
                      {**crm, **cleared})
        return {"action": "move", "tenant_id": tenant_id, "released_accounts": accounts, "lists": len(lists),
                **crm, **cleared}
