"""Recipient lists in the CRM: the one ownership check, the import's writes, the sync's list marks, the
page's local edits (name, short description, translations per language). Every change is audited in its own
transaction (``cleverreach.audit``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.crm.keys import InvalidKeyError
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction as A
from cleverreach.exceptions import RecipientListError
from cleverreach.lists.plan import ListImportPlan, LocalList
from cleverreach.lists.target import ListTarget


class ListStore(SqlStore):
    """Reads and writes of ``recipient_list``."""

    # ------------------------------------------------------------------ reads
    def lists(self, tenant_id: str, list_id: str | None = None) -> list[dict[str, Any]]:
        """
        The tenant's lists, or the one named if the tenant owns it.

        A list of another tenant is refused with the same message as one that does not exist, so that
        nobody learns about another tenant's lists.
        """
        try:
            bound = None if list_id is None else self.keys.bind_list(list_id)
        except InvalidKeyError:  # not a key of the CRM's type: no such list
            bound, rows = None, []
        else:
            with self.engine.connect() as conn:
                rows = self._rows(conn, "lists_select_for_tenant", tenant_id=tenant_id, list_id=bound)
        if list_id is not None and not rows:
            raise RecipientListError(
                f"recipient list {list_id} does not exist for tenant {tenant_id!r}; nothing was read or written"
            )
        return rows

    def owned_list(self, tenant_id: str, list_id: str) -> dict[str, Any]:
        """The one list, if ``tenant_id`` owns it (``RecipientListError`` otherwise)."""
        (row,) = self.lists(tenant_id, list_id)
        return row

    def sync_target(self, tenant_id: str, list_id: str) -> ListTarget:
        """The list a sync works on (``lists.target``), checked once: ``RecipientListError`` when the tenant
        does not own it or its group is gone."""
        return ListTarget.of(tenant_id, self.owned_list(tenant_id, list_id))

    def local_lists(self, tenant_id: str) -> list[LocalList]:
        return [
            LocalList(row["id"], str(row["external_id"]), row["name"], row["remote_deleted_at"] is not None)
            for row in self.lists(tenant_id)
        ]

    # ------------------------------------------------------------------ writes
    def _audit(self, state: Connection, *events: AuditEvent) -> None:
        """Events on the private state's connection of the change's ``crm_then_state``."""
        AuditStore(self.engine).record(state, *events)

    def apply_import(self, tenant_id: str, plan: ListImportPlan, actor: Actor) -> None:
        """Write an import plan in one transaction, with an audit event per list created, revived or gone."""
        now = utcnow()
        with self.crm_then_state() as (conn, state):
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
                            "actor": actor.name,
                        }
                        for group in plan.create
                    ],
                )
                created = {group.external_id for group in plan.create}
                ids = {str(row["external_id"]): row["id"]
                       for row in self._rows(conn, "lists_select_for_tenant", tenant_id=tenant_id, list_id=None)}
                self._audit(state, *(AuditEvent(A.LIST_IMPORTED, tenant_id, actor, ids[external_id], {"group_id": external_id})
                                    for external_id in sorted(created) if external_id in ids))
            if plan.refresh:
                conn.execute(
                    self.q("refresh_recipient_list"),
                    [{"id": local.id, "remote_member_count": group.member_count, "now": now} for local, group in plan.refresh],
                )
                self._audit(state, *(AuditEvent(A.LIST_REVIVED, tenant_id, actor, local.id, {"group_id": local.external_id})
                                    for local in plan.revived))
            if plan.mark_deleted:
                conn.execute(
                    self.q("mark_recipient_list_deleted"),
                    [{"id": local.id, "now": now, "actor": actor.name} for local in plan.mark_deleted],
                )
                self._audit(state, *(AuditEvent(A.LIST_GONE, tenant_id, actor, local.id, {"group_id": local.external_id})
                                    for local in plan.mark_deleted))

    def mark_gone(self, tenant_id: str, list_id: str, actor: Actor) -> None:
        """The list's group is gone in CleverReach (confirmed): mark it, never delete it."""
        with self.crm_then_state() as (conn, state):
            marked = conn.execute(self.q("mark_recipient_list_deleted"),
                                  {"id": self.keys.bind_list(list_id), "now": utcnow(), "actor": actor.name}).rowcount
            if marked:
                self._audit(state, AuditEvent(A.LIST_GONE, tenant_id, actor, list_id))

    def set_remote_count(self, list_id: str, count: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.q("lists_set_remote_count"), {"list_id": self.keys.bind_list(list_id), "remote_member_count": int(count)})

    # ------------------------------------------------------------------ local edits (the CleverReach page)
    def update_local(self, tenant_id: str, list_id: str, *, name: str, short_description: str | None, actor: Actor) -> None:
        """Rename a list locally; CleverReach's group name is untouched and the import keeps the local one."""
        self.owned_list(tenant_id, list_id)
        with self.crm_then_state() as (conn, state):
            conn.execute(
                self.q("lists_update_local"),
                {"tenant_id": tenant_id, "list_id": self.keys.bind_list(list_id), "name": name, "short_description": short_description,
                 "now": utcnow(), "actor": actor.name},
            )
            self._audit(state, AuditEvent(A.LIST_RENAMED, tenant_id, actor, list_id))

    def translations(self, tenant_id: str, list_id: str) -> list[dict[str, Any]]:
        """The list's name and short description per language (the "Sprachen" tab), by language code."""
        self.owned_list(tenant_id, list_id)
        with self.engine.connect() as conn:
            return self._rows(conn, "lists_select_translations", list_id=self.keys.bind_list(list_id))

    def set_translation(self, tenant_id: str, list_id: str, language: str, *, name: str,
                        short_description: str | None, actor: Actor) -> None:
        """Add or replace one language's name and short description."""
        self.owned_list(tenant_id, list_id)
        with self.crm_then_state() as (conn, state):
            conn.execute(
                self.q("lists_upsert_translation"),
                {"list_id": self.keys.bind_list(list_id), "language": language, "name": name, "short_description": short_description,
                 "now": utcnow(), "actor": actor.name},
            )
            self._audit(state, AuditEvent(A.LIST_TRANSLATION_SET, tenant_id, actor, list_id, {"language": language}))

    def delete_translation(self, tenant_id: str, list_id: str, language: str, actor: Actor) -> bool:
        """Remove one language; returns whether it existed (only then is it audited)."""
        self.owned_list(tenant_id, list_id)
        with self.crm_then_state() as (conn, state):
            deleted = conn.execute(self.q("lists_delete_translation"), {"list_id": self.keys.bind_list(list_id), "language": language}).rowcount > 0
            if deleted:
                self._audit(state, AuditEvent(A.LIST_TRANSLATION_DELETED, tenant_id, actor, list_id, {"language": language}))
            return deleted
