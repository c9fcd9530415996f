"""A contact's history (mails sent, opened, clicked, bounced, unsubscribes), newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, status

from cleverreach.tenants.store import TenantStore
from cleverreach.ui.read_store import UiReadStore
from cleverreach.ui.routers.common import PageNo, PageSize, in_zone
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/contacts/{contact_id}", tags=["history"])
ContactId = Annotated[str, Path(min_length=1, max_length=200, description="contact_person.id (a key: an integer or text)")]


@router.get("/history")
def history(tenant_id: TenantId, contact_id: ContactId, found: Annotated[Caller, Depends(tenant_caller())],
            page: PageNo = 1, page_size: PageSize = 50) -> dict[str, Any]:
    reads = UiReadStore(found.engine)
    contact = reads.contact(tenant_id, contact_id)
    if contact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"contact person {contact_id} does not exist for tenant {tenant_id!r}")
    tz = TenantStore(found.engine).zone(tenant_id)
    events = reads.contact_history(tenant_id, contact_id, page=page, page_size=page_size)
    return {"contact": contact, "page": page, "page_size": page_size, "time_zone": tz.key,
            "events": in_zone(events, tz, "occurred_at")}
