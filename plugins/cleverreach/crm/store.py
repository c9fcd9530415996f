"""Queries against the CRM, one method per use, SQL loaded by name from ``include/sql/queries``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, bindparam
from sqlalchemy.types import TypeEngine

from cleverreach.crm.sql import query
from cleverreach.exceptions import TenantNotFoundError
from cleverreach.lists.import_plan import ListImportPlan, LocalList


def utcnow() -> datetime:
    """Naive UTC, the way the CRM's ``timestamp`` columns store time on both dialects."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    cleverreach_conn_id: str

    def as_task_kwargs(self) -> dict[str, str]:
        return {"tenant_id": self.id, "cleverreach_conn_id": self.cleverreach_conn_id}


class SqlStore:
    """Base of the stores: an engine, and the named queries of ``include/sql/queries`` for its dialect."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def q(self, name: str, **expanding: type[TypeEngine[Any]]) -> TextClause:
        """The named query; ``expanding`` names its list parameters and their element type (an empty
        list still needs the type on PostgreSQL, where it becomes an empty typed set)."""
        clause = query(name, self.dialect)
        if not expanding:
            return clause
        return clause.bindparams(*(bindparam(param, expanding=True, type_=type_) for param, type_ in expanding.items()))

    def _rows(self, conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in conn.execute(self.q(name), params)]


class CrmStore(SqlStore):
    """Tenants and the list import."""

    # ------------------------------------------------------------------ tenants
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

    # ------------------------------------------------------------------ recipient lists
    def recipient_lists(self, tenant_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return self._rows(conn, "select_recipient_lists", tenant_id=tenant_id)

    def local_lists(self, tenant_id: str) -> list[LocalList]:
        return [
            LocalList(row["id"], str(row["external_id"]), row["name"], row["remote_deleted_at"] is not None)
            for row in self.recipient_lists(tenant_id)
        ]

    def apply_list_import(self, tenant_id: str, plan: ListImportPlan, actor: str) -> None:
        """Write an import plan in one transaction."""
        now = utcnow()
        with self.engine.begin() as conn:
            if plan.create:
                conn.execute(
                    self.q("insert_recipient_list"),
                    [
                        {
                            "tenant_id": tenant_id,
                            "external_id": group.external_id,
                            "name": group.name,
                            "short_description": group.description,
                            "remote_member_count": group.member_count,
                            "now": now,
                            "actor": actor,
                        }
                        for group in plan.create
                    ],
                )
            if plan.refresh:
                conn.execute(
                    self.q("refresh_recipient_list"),
                    [{"id": local.id, "remote_member_count": group.member_count, "now": now} for local, group in plan.refresh],
                )
            if plan.mark_deleted:
                conn.execute(
                    self.q("mark_recipient_list_deleted"),
                    [{"id": local.id, "now": now, "actor": actor} for local in plan.mark_deleted],
                )
