"""Every request of the page: Airflow's own login (401), then the right (403), then the tenant scope (403).

The user comes from Airflow (``airflow.api_fastapi.core_api.security.get_user``): the UI's session
cookie or a ``Bearer`` token from ``/auth/token``, so there is no second login. Rights come from the
auth manager's ``is_authorized_custom_view`` (see ``cleverreach.access``). The SimpleAuthManager
answers that question with "any logged-in user" whatever the method, so for it the rights follow its
fixed roles instead: viewer → view; user → also manage lists and run syncs; op → also approve mass
removals; admin → everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from sqlalchemy import Engine

from cleverreach.access import CleverReachPermission, TenantGrantStore, TenantScope, TenantScopeError
from cleverreach.audit.actor import Actor

P = CleverReachPermission
SIMPLE_ROLE_PERMISSIONS: dict[str, frozenset[CleverReachPermission]] = {
    "VIEWER": frozenset({P.VIEW}),
    "USER": frozenset({P.VIEW, P.MANAGE_LISTS, P.RUN_SYNCS}),
    "OP": frozenset({P.VIEW, P.MANAGE_LISTS, P.RUN_SYNCS, P.APPROVE_MASS_REMOVAL}),
    "ADMIN": frozenset(P),
}

TenantId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$",
                               description="CRM tenant id (Mandant)")]


def crm_engine() -> Engine:
    """The CRM database (connection ``hyperspace_crm``); tests override this dependency."""
    from cleverreach.hooks.crm import api_server_engine

    return api_server_engine()


def _auth_manager() -> Any:
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager()


def permissions_of(user: Any, auth_manager: Any | None = None) -> frozenset[CleverReachPermission]:
    """The CleverReach rights of ``user`` according to Airflow's auth manager."""
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

    manager = auth_manager or _auth_manager()
    if isinstance(manager, SimpleAuthManager):
        return SIMPLE_ROLE_PERMISSIONS.get(str(getattr(user, "role", "") or "").upper(), frozenset())
    return frozenset(p for p in P if manager.is_authorized_custom_view(method=p.method, resource_name=p.resource, user=user))


@dataclass
class Caller:
    """The authenticated user of one request, their rights and tenant scope, and the raw credential (to
    act through Airflow's REST API as this user)."""

    user: Any
    permissions: frozenset[CleverReachPermission]
    scope: TenantScope
    token: str | None
    engine: Engine = field(repr=False)

    @property
    def name(self) -> str:
        return str(self.user.get_name())

    @property
    def actor(self) -> Actor:
        """The caller as the audit names them (``user:<name>``, ``cleverreach.audit.actor``)."""
        return Actor.user(self.name)

    def require(self, permission: CleverReachPermission) -> None:
        if permission not in self.permissions:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"user {self.name!r} lacks the CleverReach right {permission.value!r}")

    def require_tenant(self, tenant_id: str) -> None:
        try:
            self.scope.check(tenant_id)
        except TenantScopeError as exc:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None


async def _airflow_user(request: Request) -> Any:
    """Airflow's own authentication: 401 without a session cookie or token, 403 for an invalid token."""
    from fastapi.security import HTTPAuthorizationCredentials

    from airflow.api_fastapi.core_api.security import get_user

    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials) if credentials else None
    return await get_user(request, None, bearer)


def _token(request: Request) -> str | None:
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return request.cookies.get(COOKIE_NAME_JWT_TOKEN)


def caller(request: Request, user: Annotated[Any, Depends(_airflow_user)],
           engine: Annotated[Engine, Depends(crm_engine)]) -> Caller:
    """The request's caller; needs at least the right to view."""
    found = Caller(user, permissions_of(user), TenantGrantStore(engine).scope(str(user.get_name())), _token(request),
                   engine)
    found.require(P.VIEW)
    return found


CallerDep = Annotated[Caller, Depends(caller)]


def requires(permission: CleverReachPermission) -> Callable[..., Caller]:
    """A dependency: the caller, who must hold ``permission``."""

    def check(found: CallerDep) -> Caller:
        found.require(permission)
        return found

    return check


def tenant_caller(permission: CleverReachPermission = P.VIEW) -> Callable[..., Caller]:
    """A dependency for routes under ``/tenants/{tenant_id}``: the right, then the tenant in the caller's scope."""

    def check(tenant_id: TenantId, found: CallerDep) -> Caller:
        found.require(permission)
        found.require_tenant(tenant_id)
        return found

    return check
