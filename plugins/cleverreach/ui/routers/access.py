"""Tenant grants: which users are limited to which tenants (the right to administer). An admin who is limited
to tenants changes grants only within their own, lifts no limit and leaves their own grants alone (403). An
admin without grants manages every grant, also under ``tenant_scope_default = none`` (no lock-out)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.access import TenantGrantStore, TenantScope, grant_change_refusal, tenant_scope_default
from cleverreach.enums import TenantScopeDefault
from cleverreach.tenants.store import TenantStore
from cleverreach.ui.routers.common import refusals, zoned
from cleverreach.ui.schemas import Grant
from cleverreach.ui.security import Caller, TenantId, requires

router = APIRouter(prefix="/access/grants", tags=["access"])
Admin = Annotated[Caller, Depends(requires(P.ADMINISTER))]


@router.get("")
def grants(found: Admin) -> list[dict[str, Any]]:
    """Every grant, its time in the granted tenant's zone."""
    return _zoned(found, TenantGrantStore(found.engine).grants())


def _zoned(found: Caller, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    zones = TenantStore(found.engine)
    return [zoned(row, zones.zone(row["tenant_id"]), "granted_at") for row in rows]


@router.post("", status_code=status.HTTP_201_CREATED)
def grant(body: Grant, found: Admin) -> list[dict[str, Any]]:
    """Limit a user to a tenant (their first grant limits them; each further one widens the scope)."""
    store = TenantGrantStore(found.engine)
    _refuse_outside_own_grants(found, store, body.username, body.tenant_id, revoke=False)
    with refusals():
        TenantStore(found.engine).tenant(body.tenant_id)
    store.grant(body.username, body.tenant_id, found.actor)
    return _zoned(found, store.grants())


@router.delete("/{username}/{tenant_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke(username: Annotated[str, Path(min_length=1, max_length=256)], tenant_id: TenantId, found: Admin,
           lift_limit: Annotated[bool, Query()] = False) -> Response:
    """Take a tenant from a user. The last one only with ``lift_limit``: without grants a user is not limited (under
    ``tenant_scope_default = none`` they then may use no tenant, and no ``lift_limit`` is needed)."""
    store = TenantGrantStore(found.engine)
    scope = _refuse_outside_own_grants(found, store, username, tenant_id, revoke=True)
    if scope.tenants == frozenset({tenant_id}) and not lift_limit and tenant_scope_default() is TenantScopeDefault.ALL:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"{tenant_id!r} is the last tenant of user {username!r}: without grants the user is not "
                            f"limited to tenants any more; pass lift_limit=true if that is meant")
    if not store.revoke(username, tenant_id, found.actor):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {username!r} has no grant for tenant {tenant_id!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _refuse_outside_own_grants(found: Caller, store: TenantGrantStore, username: str, tenant_id: str, *,
                               revoke: bool) -> TenantScope:
    """403 when the caller's own tenant grants forbid this change; returns the grantee's scope."""
    scope = store.scope(username)
    refusal = grant_change_refusal(store.grant_manager_scope(found.name), username, scope, tenant_id, revoke=revoke)
    if refusal:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{refusal}; nothing was changed")
    return scope
