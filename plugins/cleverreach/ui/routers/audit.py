"""The audit trail of a tenant, or of one of its lists: who did what, newest first, in keyset pages.

A page is the newest, or the one older than (``before=<event id>``) or newer than (``after=<event id>``) an event
an earlier page returned; each answer names the ids to page on. The URLs carry ids only. Viewing needs the right
to view and the tenant in the caller's scope, like every screen of the tenant.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from cleverreach.audit.service import AuditTrail
from cleverreach.tenants.store import TenantStore
from cleverreach.ui.routers.common import in_zone, owned_list, refusals
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/audit", tags=["audit"])
Viewer = Annotated[Caller, Depends(tenant_caller())]
EventId = Annotated[int | None, Query(ge=1, le=2**63 - 1, description="id of the boundary event")]


@router.get("")
def audit(tenant_id: TenantId, found: Viewer,
          list_id: Annotated[str | None, Query(min_length=1, max_length=200, description="only this list's events")] = None,
          before: EventId = None, after: EventId = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """One page of events: when, who (``user:<name>`` or ``run:<dag_id>/<run_id>``), what, the list, counts and ids."""
    if before is not None and after is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give at most one of before and after")
    with refusals():
        TenantStore(found.engine).tenant(tenant_id)
    if list_id is not None:
        owned_list(found.engine, tenant_id, list_id)
    page = AuditTrail(found.engine).page(tenant_id, list_id=list_id, before=before, after=after, limit=limit).as_dict()
    tz = TenantStore(found.engine).zone(tenant_id)
    return {**page, "time_zone": tz.key, "rows": in_zone(page["rows"], tz, "occurred_at")}
