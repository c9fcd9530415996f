"""The CRM's tenants, read only."""

from __future__ import annotations

from dataclasses import dataclass

from cleverreach.crm.store import SqlStore
from cleverreach.exceptions import TenantNotFoundError


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    cleverreach_conn_id: str

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
        return [
            Tenant(row["id"], row["name"], row["cleverreach_conn_id"] or f"cleverreach_{row['id']}") for row in rows
        ]

    def tenant(self, tenant_id: str) -> Tenant:
        """The one active tenant named."""
        (found,) = self.tenants(tenant_id)
        return found
