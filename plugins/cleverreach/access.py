"""Who may do what, and on which tenants: the seed's function rights mapped onto Airflow's auth manager.

Rights (``CleverReachPermission``) are custom views of the auth manager: a resource name and a method,
so that FAB turns each into one permission (``can_read`` / ``can_edit`` / ``can_create`` on
``CleverReach …``) that a role holds or not. The three roles (``CleverReach Viewer``, ``Editor``,
``Admin``) bundle them; the DAGs grant the same roles their DAG rights through ``access_control``.

Tenant scope is per user and lives in the integration's table ``cleverreach_tenant_grant``: a user
with grants sees and acts on those tenants only; a user with no grant is not limited, or, with the Airflow
option ``[cleverreach] tenant_scope_default = none`` (deny by default), may use no tenant at all, an Admin
included, except that an Admin without grants may always manage grants (so nobody is locked out). A run
without a triggering user (scheduled) is never limited. It is kept in
the CRM database, not in the auth manager, because the first task of a run must check it too, and a
task knows only the triggering user's name (a worker cannot read the auth manager's users and roles).
This module stays light (no FastAPI, no pandas): the operators import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from cleverreach.audit.actor import Actor, triggering_user
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction, TenantScopeDefault

ROLE_VIEWER = "CleverReach Viewer"
ROLE_EDITOR = "CleverReach Editor"
ROLE_ADMIN = "CleverReach Admin"
ROLES: tuple[str, ...] = (ROLE_VIEWER, ROLE_EDITOR, ROLE_ADMIN)

# the DAGs whose runs the page starts or shows; every CleverReach DAG gets the same access_control
READ_DAG = {"DAGs": {"can_read"}, "DAG Runs": {"can_read"}}
RUN_DAG = {"DAGs": {"can_read", "can_edit"}, "DAG Runs": {"can_read", "can_create"}}


class CleverReachPermission(StrEnum):
    """The seed's function rights, each one custom view of the auth manager (``resource``, ``method``)."""

    VIEW = "view"  # lists, members, plans, history
    MANAGE_LISTS = "manage_lists"  # rename lists, translations, add and remove members
    RUN_SYNCS = "run_syncs"  # dry runs, apply, login checks
    APPROVE_MASS_REMOVAL = "approve_mass_removal"  # apply a plan the mass-removal guard blocked
    ADMINISTER = "administer"  # connections and tenant grants

    @property
    def resource(self) -> str:
        return _RESOURCES[self][0]

    @property
    def method(self) -> str:
        """The auth manager's method (FAB: GET→can_read, PUT→can_edit, POST→can_create)."""
        return _RESOURCES[self][1]


_RESOURCES: dict[CleverReachPermission, tuple[str, str]] = {
    CleverReachPermission.VIEW: ("CleverReach", "GET"),
    CleverReachPermission.MANAGE_LISTS: ("CleverReach Lists", "PUT"),
    CleverReachPermission.RUN_SYNCS: ("CleverReach Syncs", "POST"),
    CleverReachPermission.APPROVE_MASS_REMOVAL: ("CleverReach Mass Removals", "POST"),
    CleverReachPermission.ADMINISTER: ("CleverReach Settings", "PUT"),
}

ROLE_PERMISSIONS: dict[str, frozenset[CleverReachPermission]] = {
    ROLE_VIEWER: frozenset({CleverReachPermission.VIEW}),
    ROLE_EDITOR: frozenset({CleverReachPermission.VIEW, CleverReachPermission.MANAGE_LISTS,
                            CleverReachPermission.RUN_SYNCS}),
    ROLE_ADMIN: frozenset(CleverReachPermission),
}


def dag_access_control(roles: tuple[str, ...] = ROLES) -> dict[str, dict[str, set[str]]]:
    """The DAGs' ``access_control``: viewers read the runs, editors and admins also trigger them. ``roles`` narrows
    it for an admin-only DAG (``cleverreach_tenant_admin``, ``cleverreach_erase_contact``: the Admin role alone)."""
    rights = {ROLE_VIEWER: READ_DAG, ROLE_EDITOR: RUN_DAG, ROLE_ADMIN: RUN_DAG}
    return {role: rights[role] for role in roles}


# ---------------------------------------------------------------------- tenant scope
class TenantScopeError(PermissionError):
    """The user may not act on this tenant; the message says who, which tenant and what they may use."""


class TenantScopeConfigError(ValueError):
    """``[cleverreach] tenant_scope_default`` has a value that is neither ``all`` nor ``none``."""


def tenant_scope_default() -> TenantScopeDefault:
    """``[cleverreach] tenant_scope_default`` (env ``AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT``), read from Airflow's
    configuration without the metadata database; an unknown value fails loudly rather than opening every tenant."""
    from airflow.sdk import conf  # here, not at import: importing this module must not load Airflow's config

    raw = str(conf.get("cleverreach", "tenant_scope_default", fallback=TenantScopeDefault.ALL.value) or "").strip().lower()
    try:
        return TenantScopeDefault(raw or TenantScopeDefault.ALL.value)
    except ValueError:
        raise TenantScopeConfigError(
            f"[cleverreach] tenant_scope_default must be one of {[d.value for d in TenantScopeDefault]}, got {raw!r}"
        ) from None


@dataclass(frozen=True)
class TenantScope:
    """The tenants a user may use: ``tenants`` None means every tenant (the user has no grant)."""

    username: str | None
    tenants: frozenset[str] | None

    @property
    def limited(self) -> bool:
        return self.tenants is not None

    def allows(self, tenant_id: str) -> bool:
        return self.tenants is None or tenant_id in self.tenants

    def check(self, tenant_id: str | None) -> None:
        """Refuse a tenant outside the scope; a limited user must name a tenant (empty = all is refused)."""
        if not self.limited:
            return
        allowed = ", ".join(sorted(self.tenants or ())) or "none"
        if not self.tenants:
            raise TenantScopeError(
                f"user {self.username!r} has no tenant grant and [cleverreach] tenant_scope_default is 'none': they "
                f"may use no tenant; ask a CleverReach admin to grant one; nothing was read or written"
            )
        if tenant_id is None:
            raise TenantScopeError(
                f"user {self.username!r} may act only on tenant(s) {allowed}: name one of them instead of "
                f"leaving the tenant empty (= every tenant); nothing was read or written"
            )
        if not self.allows(tenant_id):
            raise TenantScopeError(
                f"user {self.username!r} may not act on tenant {tenant_id!r} (allowed: {allowed}); "
                f"ask a CleverReach admin to grant it; nothing was read or written"
            )


def grant_change_refusal(admin: TenantScope, grantee: str, grantee_scope: TenantScope, tenant_id: str, *,
                         revoke: bool) -> str | None:
    """Why ``admin`` may not grant (or revoke) ``tenant_id`` to ``grantee``, or None. A limited admin stays within
    their own grants, lifts no limit (revoking the last grant does) and leaves their own grants alone, so that
    no tenant-scoped admin widens their own or another user's reach (issue 18). An unlimited admin may all."""
    if not admin.limited:
        return None
    allowed = ", ".join(sorted(admin.tenants or ())) or "none"
    if grantee == admin.username:
        return (f"admin {admin.username!r} is limited to tenant(s) {allowed} and may not change their own tenant "
                f"grants; ask an admin without tenant grants")
    if not admin.allows(tenant_id):
        return (f"admin {admin.username!r} may grant or revoke only tenants within their own grants ({allowed}), "
                f"not {tenant_id!r}")
    if revoke and grantee_scope.tenants == frozenset({tenant_id}) and tenant_scope_default() is TenantScopeDefault.ALL:
        return (f"{tenant_id!r} is the last tenant of user {grantee!r}: revoking it lifts their limit, and only an "
                f"admin without tenant grants may lift a limit")
    return None


class TenantGrantStore(SqlStore):
    """``cleverreach_tenant_grant``: the tenants granted per user."""

    def scope(self, username: str | None, default: TenantScopeDefault | None = None) -> TenantScope:
        """The user's scope: their grants; without any, every tenant or none by ``default`` (None = the option
        ``tenant_scope_default``). A run without a user (scheduled, or started by another run) is not limited."""
        if not username:
            return TenantScope(None, None)
        with self.state.connect() as conn:
            rows = self._rows(conn, "ui_grants_select", username=username)
        if rows:
            return TenantScope(username, frozenset(row["tenant_id"] for row in rows))
        if (default or tenant_scope_default()) is TenantScopeDefault.NONE:
            return TenantScope(username, frozenset())
        return TenantScope(username, None)

    def grant_manager_scope(self, username: str) -> TenantScope:
        """An admin's scope for managing grants: their grants, and without any every tenant whatever
        ``tenant_scope_default`` says, so that deny-by-default never locks the system out."""
        return self.scope(username, TenantScopeDefault.ALL)

    def grants(self) -> list[dict[str, Any]]:
        with self.state.connect() as conn:
            return self._rows(conn, "ui_grants_select", username=None)

    def grant(self, username: str, tenant_id: str, actor: Actor) -> None:
        """Grant a tenant (again: nothing changes); a new grant is audited in the same transaction."""
        with self.state.begin() as conn:
            inserted = conn.execute(self.q("ui_grants_insert"), {"username": username, "tenant_id": tenant_id,
                                                                 "now": utcnow(), "actor": actor.name}).rowcount
            if inserted:
                AuditStore(self.engine).record(conn, AuditEvent(AuditAction.ACCESS_GRANTED, tenant_id, actor,
                                                                detail={"grantee": username}))

    def revoke(self, username: str, tenant_id: str, actor: Actor) -> bool:
        """Take a tenant from a user; returns whether they had it (then audited in the same transaction)."""
        with self.state.begin() as conn:
            deleted = conn.execute(self.q("ui_grants_delete"), {"username": username, "tenant_id": tenant_id}).rowcount > 0
            if deleted:
                AuditStore(self.engine).record(conn, AuditEvent(AuditAction.ACCESS_REVOKED, tenant_id, actor,
                                                                detail={"grantee": username}))
            return deleted


def check_run_scope(engine: Any, context: Any, tenant_id: str | None) -> None:
    """For a run's first task: fail without retry if the triggering user may not use ``tenant_id``."""
    try:
        TenantGrantStore(engine).scope(triggering_user(context)).check(tenant_id)
    except TenantScopeError as exc:
        raise AirflowFailException(f"Refused: {exc}") from None
