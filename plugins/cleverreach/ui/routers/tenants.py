"""Tenants: the ones in the caller's scope, their last login check (and the button that runs one), their lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.lists.store import ListStore
from cleverreach.tenants.store import TenantStore
from cleverreach.ui.read_store import UiReadStore
from cleverreach.ui.routers.common import refusals, zoned
from cleverreach.ui.schemas import TenantMove, TenantRename
from cleverreach.ui.security import Caller, CallerDep, TenantId, tenant_caller

router = APIRouter(tags=["tenants"])


@router.get("/me")
def me(found: CallerDep) -> dict[str, Any]:
    """Who is logged in, their rights and tenant scope (the page shows or hides its buttons by them)."""
    return {"user": found.name, "permissions": sorted(p.value for p in found.permissions),
            "tenants": sorted(found.scope.tenants) if found.scope.limited else None}


@router.get("/tenants")
def tenants(found: CallerDep) -> list[dict[str, Any]]:
    """The active tenants the caller may see, each with its last login check and number of lists."""
    checks = UiReadStore(found.engine).login_checks()
    lists = ListStore(found.engine)
    return [
        {"id": t.id, "name": t.name, "cleverreach_conn_id": t.cleverreach_conn_id, "time_zone": t.zone.key,
         "login_check": _check(checks.get(t.id), t.zone), "lists": len(lists.lists(t.id))}
        for t in TenantStore(found.engine).tenants() if found.scope.allows(t.id)
    ]


def _check(check: dict[str, Any] | None, tz: Any) -> dict[str, Any] | None:
    """A login check with its time in the tenant's zone."""
    return None if check is None else zoned(check, tz, "checked_at")


@router.post("/tenants/{tenant_id}/login-check")
def check_login(tenant_id: TenantId, found: Annotated[Caller, Depends(tenant_caller(P.RUN_SYNCS))]) -> dict[str, Any]:
    """Fetch a token with the tenant's connection and validate it (reads only; nothing in CleverReach changes)."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    from cleverreach.exceptions import CleverReachError
    from cleverreach.hooks.cleverreach import CleverReachHook

    with refusals():
        tenant = TenantStore(found.engine).tenant(tenant_id)
    ok, message = True, None
    try:
        CleverReachHook(tenant.cleverreach_conn_id).validate_login()
    except (CleverReachError, AirflowNotFoundException) as exc:
        ok, message = False, f"{type(exc).__name__}: {exc}"
    store = UiReadStore(found.engine)
    store.record_login_check(tenant_id, ok, message, found.actor.name)
    return _check(store.login_checks()[tenant_id], tenant.zone)


@router.get("/tenants/{tenant_id}/lists")
def tenant_lists(tenant_id: TenantId, found: Annotated[Caller, Depends(tenant_caller())]) -> list[dict[str, Any]]:
    with refusals():
        tz = TenantStore(found.engine).tenant(tenant_id).zone
        return [zoned(row, tz, "remote_deleted_at") for row in ListStore(found.engine).lists(tenant_id)]


# ---------------------------------------------------------------------- the tenant lifecycle (admins)
Admin = Annotated[Caller, Depends(tenant_caller(P.ADMINISTER))]


def _lifecycle(found: Caller, action: str, tenant_id: str, new_tenant_id: str | None, confirm: str) -> dict[str, Any]:
    """The DAG's action, run here and audited as the caller; a refusal is a 409 and changes nothing."""
    from cleverreach.tenants.lifecycle import TenantLifecycleError, TenantRequest
    from cleverreach.tenants.service import TenantLifecycle, lease_timeout_from_config

    try:
        request = TenantRequest.of(action, tenant_id, new_tenant_id, confirm)
        return TenantLifecycle(found.engine, found.actor, lease_timeout=lease_timeout_from_config()).run(request)
    except TenantLifecycleError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("/tenants/{tenant_id}/rename")
def rename_tenant(tenant_id: TenantId, body: TenantRename, found: Admin) -> dict[str, Any]:
    """The CRM renamed tenant ``tenant_id``: its private state becomes ``new_tenant_id``'s (both in the caller's scope)."""
    found.require_tenant(body.new_tenant_id)
    return _lifecycle(found, "rename", tenant_id, body.new_tenant_id, body.confirm)


@router.post("/tenants/{tenant_id}/move")
def move_tenant(tenant_id: TenantId, body: TenantMove, found: Admin) -> dict[str, Any]:
    """The tenant's connection logs into another CleverReach account now: release the old one and what is known of it."""
    return _lifecycle(found, "move", tenant_id, None, body.confirm)
