"""Data-subject erasures (issue 18): an admin stores the request here, and the page triggers the erasure with its
reference only.

``POST /tenants/{tenant}/erasures`` checks the request (the addresses, the contact ids of this tenant), stores
it in the private state (``cleverreach.erasure.request_store``) and triggers ``cleverreach_erase_contact`` with
``{"tenant", "request"}`` through Airflow's REST API as the caller: the run's conf and rendered fields never hold
an address. ``GET …/erasures/{reference}`` shows the request's status and counts, never whom. Admins only
(``administer``), within their tenant scope; another tenant's request reads as missing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.erasure.request import ErasureRequest, ErasureRequestError
from cleverreach.erasure.request_store import REFERENCE_PATTERN, ErasureRequestStore
from cleverreach.erasure.store import ErasureStore
from cleverreach.tenants.store import TenantStore
from cleverreach.ui.airflow_api import ERASE_CONTACT_DAG, AirflowApiDep
from cleverreach.ui.routers.common import refusals, zoned
from cleverreach.ui.schemas import ErasureCreate
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/erasures", tags=["erasures"])
Admin = Annotated[Caller, Depends(tenant_caller(P.ADMINISTER))]
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, description="the erasure request's reference")]


def _status(found: Caller, tenant_id: str, reference: str) -> dict[str, Any]:
    stored = ErasureRequestStore(found.engine).get(reference)
    if stored is None or stored.tenant_id != tenant_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no erasure request {reference} for tenant {tenant_id!r}")
    tz = TenantStore(found.engine).zone(tenant_id)
    return zoned(stored.public(), tz, "requested_at", "finished_at", "purged_at")


@router.post("", status_code=status.HTTP_201_CREATED)
def create(tenant_id: TenantId, body: ErasureCreate, found: Admin, api: AirflowApiDep) -> dict[str, Any]:
    """Store the request and trigger its erasure; the answer holds the reference, the run and counts only."""
    with refusals():
        TenantStore(found.engine).tenant(tenant_id)
    try:
        request = ErasureRequest.from_arguments(tenant_id, body.contact_ids, body.emails)
    except ErasureRequestError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    contacts = ErasureStore(found.engine).tenant_contacts(tenant_id)
    unknown = sum(1 for cid in request.contact_ids if cid not in contacts)
    if unknown:  # another tenant's ids are unknown here too
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"{unknown} contact id(s) do not exist for tenant {tenant_id!r}; nothing was stored")
    requests = ErasureRequestStore(found.engine)
    reference = requests.create(request, found.actor)
    try:
        started = api.trigger(ERASE_CONTACT_DAG, {"tenant": tenant_id, "request": reference}, found.token,
                              note="CleverReach page: erasure request")
    except HTTPException:
        requests.failed(reference)  # not started: its data go with the retention
        raise
    return {"reference": reference, "contacts": len(request.contact_ids), "emails": len(request.emails),
            **started.as_dict()}


@router.get("/{reference}")
def get(tenant_id: TenantId, reference: Reference, found: Admin) -> dict[str, Any]:
    """The request's status and counts (never its contact ids or addresses)."""
    return _status(found, tenant_id, reference)
