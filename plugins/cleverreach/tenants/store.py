"""The CRM's tenants, read only."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cleverreach.clock import utcnow, zone
from cleverreach.crm.store import SqlStore
from cleverreach.exceptions import TenantIsolationError, TenantNotFoundError


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    cleverreach_conn_id: str
    time_zone: str | None = None  # IANA name from the CRM; None = Europe/Berlin (cleverreach.clock)

    @property
    def zone(self) -> ZoneInfo:
        """The zone its people read times in."""
        return zone(self.time_zone)

    def as_task_kwargs(self) -> dict[str, str]:
        """The keyword arguments of one mapped task instance (``expand_kwargs``)."""
        return {"tenant_id": self.id, "cleverreach_conn_id": self.cleverreach_conn_id}


class TenantStore(SqlStore):
    """Tenants and their CleverReach connection ids (``cleverreach_<tenant id>`` unless the row names one)."""

    def tenants(self, tenant_id: str | None = None) -> list[Tenant]:
        """Active tenants, or the one named; an unknown or inactive tenant is an error."""
        with self.engine.connect() as conn:
            rows = self._rows(conn, "select_tenants", tenant_id=tenant_id)
        if tenant_id is not None:
            if not rows:
                raise TenantNotFoundError(f"tenant {tenant_id!r} does not exist in the CRM")
            if not rows[0]["active"]:
                raise TenantNotFoundError(f"tenant {tenant_id!r} is inactive")
        return [_tenant(row) for row in rows]

    def check_isolation(self, tenant: Tenant, account_id: str) -> None:
        """
        Refuse a tenant that shares its connection with another active tenant, or whose connection logs
        into a CleverReach account another tenant already uses (``account_id`` from ``debug/whoami``);
        otherwise record the account as the tenant's. Only the tenants involved fail.
        """
        with self.engine.connect() as conn:
            others = [_tenant(row) for row in self._rows(conn, "select_tenants", tenant_id=None) if row["id"] != tenant.id]
        sharing = sorted(t.id for t in others if t.cleverreach_conn_id == tenant.cleverreach_conn_id)
        if sharing:
            raise TenantIsolationError(
                f"tenant {tenant.id!r} resolves to the CleverReach connection {tenant.cleverreach_conn_id!r}, "
                f"which tenant(s) {', '.join(map(repr, sharing))} use too; each tenant needs its own connection "
                "(tenant.cleverreach_conn_id). Nothing was read or written."
            )
        with self.state.begin() as conn:
            params = {"account_id": str(account_id), "tenant_id": tenant.id, "conn_id": tenant.cleverreach_conn_id}
            conn.execute(self.q("tenant_account_insert"), {**params, "now": utcnow()})
            owner = conn.execute(self.q("tenant_account_select"), params).mappings().one()
        if owner["tenant_id"] != tenant.id:
            raise TenantIsolationError(
                f"tenant {tenant.id!r}: connection {tenant.cleverreach_conn_id!r} logs into the CleverReach account "
                f"that tenant {owner['tenant_id']!r} uses (connection {owner['conn_id']!r}); two tenants never share "
                "an account. Fix the connection; nothing was read or written."
            )

    def tenant(self, tenant_id: str) -> Tenant:
        """The one active tenant named."""
        (found,) = self.tenants(tenant_id)
        return found

    def zone(self, tenant_id: str) -> ZoneInfo:
        """The zone the tenant's people read times in, also for an inactive tenant (its history stays readable);
        Europe/Berlin when the CRM names none or does not know the tenant."""
        with self.engine.connect() as conn:
            rows = self._rows(conn, "select_tenants", tenant_id=tenant_id)
        return _tenant(rows[0]).zone if rows else zone(None)


def _tenant(row: dict) -> Tenant:
    return Tenant(row["id"], row["name"], row["cleverreach_conn_id"] or f"cleverreach_{row['id']}", row.get("time_zone"))

