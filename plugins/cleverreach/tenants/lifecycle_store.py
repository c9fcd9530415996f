"""The tenant lifecycle's reads and writes: the private state of a tenant (renamed or cleared in one transaction
with its audit event), and, for a move, the CRM's lists and members through the adapter's own statements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, String

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction, MemberState


class TenantLifecycleStore(SqlStore):
    # ------------------------------------------------------------------ reads
    def state_counts(self, tenant_id: str, conn: Connection | None = None) -> dict[str, int]:
        """Private rows per table of one tenant id."""
        if conn is None:
            with self.state.connect() as own:
                return self.state_counts(tenant_id, own)
        return {row["table_name"]: int(row["n"]) for row in self._rows(conn, "tenant_state_counts", tenant_id=tenant_id)}

    def running_syncs(self, tenant_id: str, conn: Connection | None = None) -> list[dict[str, Any]]:
        if conn is None:
            with self.state.connect() as own:
                return self.running_syncs(tenant_id, own)
        return self._rows(conn, "tenant_running_syncs", tenant_id=tenant_id)

    def accounts(self, tenant_id: str) -> list[dict[str, Any]]:
        """The CleverReach accounts bound to the tenant."""
        with self.state.connect() as conn:
            return self._rows(conn, "tenant_accounts_select", tenant_id=tenant_id)

    def lists(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's recipient lists in the CRM, gone ones too."""
        with self.engine.connect() as conn:
            return self._rows(conn, "lists_select_for_tenant", tenant_id=tenant_id, list_id=None)

    # ------------------------------------------------------------------ rename
    def rename(self, old: str, new: str, conn_id: str, event: AuditEvent,
               check: Any = None) -> dict[str, int]:
        """Re-key every private row of ``old`` as ``new`` and record ``event``, in one transaction of the private
        state; ``check(store, conn)`` runs first inside it (the refusals, seen by the same transaction)."""
        params = {"tenant_id": old, "new_tenant_id": new}
        moved: dict[str, int] = {}
        with self.state.begin() as conn:
            if check is not None:
                check(self, conn)
            moved["sync_run"] = conn.execute(self.q("tenant_rename_runs"), params).rowcount
            moved["mail_history_mailing"] = conn.execute(self.q("tenant_rename_mailings"), params).rowcount
            moved["cleverreach_tenant_account"] = conn.execute(self.q("tenant_rename_accounts"),
                                                               {**params, "conn_id": conn_id}).rowcount
            moved["audit_event"] = conn.execute(self.q("tenant_rename_audit"), params).rowcount
            moved["sync_approval"] = conn.execute(self.q("tenant_rename_approvals"), params).rowcount
            moved["erasure_request"] = conn.execute(self.q("tenant_rename_erasure_requests"), params).rowcount
            moved["webhook_registration"] = conn.execute(self.q("tenant_rename_webhooks"), params).rowcount
            moved["webhook_event"] = conn.execute(self.q("tenant_rename_webhook_events"), params).rowcount
            conn.execute(self.q("tenant_rename_grants"), params)
            moved["cleverreach_tenant_grant"] = conn.execute(self.q("tenant_delete_grants"), {"tenant_id": old}).rowcount
            conn.execute(self.q("tenant_rename_login_check"), params)
            moved["cleverreach_login_check"] = conn.execute(self.q("tenant_delete_login_check"), {"tenant_id": old}).rowcount
            AuditStore(self.engine).record(conn, _with_counts(event, moved))
        return moved

    # ------------------------------------------------------------------ move
    def lists_gone_and_members_pending(self, tenant_id: str, actor: Actor) -> dict[str, int]:
        """In the CRM: mark the tenant's lists gone (their groups are the old account's), audited as ``list_gone``
        with the reason ``moved``, and set the members the old account held or refused to ``pending``.
        Idempotent: a list already gone is not marked again, a pending member not touched."""
        counts = {"lists_marked_gone": 0, "members_pending": 0}
        now = utcnow()
        with self.crm_then_state() as (crm, state):
            marked = []
            for row in self._rows(crm, "lists_select_for_tenant", tenant_id=tenant_id, list_id=None):
                if row["remote_deleted_at"] is None and crm.execute(
                        self.q("mark_recipient_list_deleted"), {"id": row["id"], "now": now, "actor": actor.name}).rowcount:
                    marked.append(row)
                counts["members_pending"] += self._members_pending(crm, row["id"])
            counts["lists_marked_gone"] = len(marked)
            AuditStore(self.engine).record(state, *(
                AuditEvent(AuditAction.LIST_GONE, tenant_id, actor, row["id"],
                           {"group_id": str(row["external_id"]), "moved": True}) for row in marked))
        return counts

    def _members_pending(self, crm: Connection, list_id: Any) -> int:
        from cleverreach.tenants.lifecycle import RESET_TO_PENDING

        ids = [cid for state in RESET_TO_PENDING
               for (cid,) in crm.execute(self.q("ui_members_ids_in_state"), {"list_id": list_id, "state": str(state)})]
        if ids:  # one statement per member: the contact key is bound as the CRM returned it, whatever its type
            crm.execute(self.q("sync_set_member_error"),
                        [{"list_id": list_id, "contact_person_id": cid, "sync_state": str(MemberState.PENDING),
                          "synced_at": None, "sync_error": None} for cid in ids])
        return len(ids)

    def forget_account(self, tenant_id: str, list_ids: Sequence[Any], event: AuditEvent,
                       check: Any = None) -> dict[str, int]:
        """Release the tenant's account binding and clear what the private state knows of its groups (ownership
        and its intents, unused approvals, remembered refusals, watermarks, mailing records, the last login check;
        its webhook registrations removed), with ``event``, in one transaction; ``check(store, conn)`` runs first
        inside it."""
        keys = [as_key(list_id) for list_id in list_ids]
        cleared: dict[str, int] = {}
        with self.state.begin() as conn:
            if check is not None:
                check(self, conn)
            tenant = {"tenant_id": tenant_id}
            cleared["accounts_released"] = conn.execute(self.q("tenant_release_accounts"), tenant).rowcount
            cleared["mailing_records"] = conn.execute(self.q("tenant_delete_mailings"), tenant).rowcount
            conn.execute(self.q("tenant_delete_login_check"), tenant)
            cleared["approvals_withdrawn"] = conn.execute(self.q("tenant_withdraw_approvals"), tenant).rowcount
            cleared["webhooks_removed"] = conn.execute(self.q("tenant_remove_webhooks"), {**tenant, "now": utcnow()}).rowcount
            for name, query in (("owned_receivers", "tenant_delete_owned_receiver"),
                                ("owner_intents", "tenant_delete_owner_intents"),
                                ("refusals", "tenant_delete_refusals"), ("watermarks", "tenant_delete_watermarks"),
                                ("foreign_ext_ids", "tenant_delete_foreign_ext_ids")):
                cleared[name] = conn.execute(self.q(query, list_ids=String), {"list_ids": keys}).rowcount if keys else 0
            AuditStore(self.engine).record(conn, _with_counts(event, cleared))
        return cleared


def _with_counts(event: AuditEvent, counts: Mapping[str, int]) -> AuditEvent:
    return AuditEvent(event.action, event.tenant_id, event.actor, event.list_id, {**event.detail, **counts})
