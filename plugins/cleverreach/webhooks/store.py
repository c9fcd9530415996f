"""The webhooks' reads and writes: registrations and events (the package's private state, migration state/0009),
the member states in the CRM (the adapter's own statements, as the mail history and the sync write them).

An event is recorded once, by its key (``events.event_key``), in the transaction that applies it: a replay finds
its record and changes nothing; a concurrent duplicate applies the same idempotent change and loses the insert.
A failed change is recorded as ``failed`` (nothing else of it is kept) and tried again when the event comes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.enums import MemberState, WebhookOutcome, WebhookStatus
from cleverreach.webhooks.events import (
    UNSUBSCRIBE_REASON,
    Action,
    WebhookEvent,
    confirm_outcome,
    event_key,
    screen,
    stands_for_member,
)


@dataclass(frozen=True)
class Accepted:
    """What became of one event: its outcome, and whether it was a replay of one recorded before."""

    outcome: WebhookOutcome
    replay: bool
    event_key: str


class WebhookStore(SqlStore):
    """Registrations per tenant, list and event; the idempotent event record and its change in the CRM."""

    # ------------------------------------------------------------------ registrations
    def registration(self, tenant_id: str, list_id: str, event: str) -> dict[str, Any] | None:
        with self.state.connect() as conn:
            rows = self._rows(conn, "webhook_registration_select", tenant_id=tenant_id, list_id=as_key(list_id), event=event)
        return rows[0] if rows else None

    def routed(self, route_tenant_id: str, list_id: str, event: str) -> dict[str, Any] | None:
        """The registration the endpoint's route names: its tenant's own URL, or the URL a renamed tenant had when
        it registered (``route_tenant_id``); an open one before a removed one."""
        with self.state.connect() as conn:
            rows = self._rows(conn, "webhook_registration_route", tenant_id=route_tenant_id, list_id=as_key(list_id),
                              event=event)
        return rows[0] if rows else None

    def registrations(self, tenant_id: str, list_id: str | None = None) -> list[dict[str, Any]]:
        with self.state.connect() as conn:
            return self._rows(conn, "webhook_registrations_select", tenant_id=tenant_id,
                              list_id=None if list_id is None else as_key(list_id))

    def save_pending(self, tenant_id: str, list_id: str, group_id: str, event: str, url: str, verify: str) -> None:
        """Committed before the registration call: CleverReach's verification GET, during that call, reads it."""
        with self.state.begin() as conn:
            conn.execute(self.q("webhook_registration_upsert"), {
                "tenant_id": tenant_id, "list_id": as_key(list_id), "group_id": str(group_id), "event": event,
                "url": url, "verify": verify, "now": utcnow()})

    def activate(self, tenant_id: str, list_id: str, event: str, call_token_sha256: str, api_path: str,
                 audit: AuditEvent | None = None) -> None:
        """The registration active, and its audit event in the same transaction."""
        with self.state.begin() as conn:
            conn.execute(self.q("webhook_registration_activate"), {
                "tenant_id": tenant_id, "list_id": as_key(list_id), "event": event,
                "call_token_sha256": call_token_sha256, "api_path": api_path, "now": utcnow()})
            if audit is not None:
                AuditStore(self.engine).record(conn, audit)

    def remove(self, tenant_id: str, list_id: str, event: str, audit: AuditEvent | None = None) -> None:
        """The registration removed (its call token no longer accepted), and its audit event in the same transaction."""
        with self.state.begin() as conn:
            conn.execute(self.q("webhook_registration_remove"),
                         {"tenant_id": tenant_id, "list_id": as_key(list_id), "event": event, "now": utcnow()})
            if audit is not None:
                AuditStore(self.engine).record(conn, audit)

    # ------------------------------------------------------------------ events
    def accept(self, registration: dict[str, Any], event: WebhookEvent, received_at: datetime | None = None) -> Accepted:
        """Record ``event`` of ``registration`` once and apply it, in one transaction (two when the state has its own
        database: the CRM's change commits first). A replay returns the recorded outcome and changes nothing."""
        received_at = received_at or utcnow()
        key = event_key(int(registration["id"]), event, received_at)
        try:
            with self.crm_then_state() as (crm, state):
                found = state.execute(self.q("webhook_event_select"), {"event_key": key}).mappings().first()
                if found is not None and found["outcome"] != WebhookOutcome.FAILED:
                    return Accepted(WebhookOutcome(found["outcome"]), True, key)
                outcome = self._apply(crm, state, registration, event)
                applied_at = utcnow() if outcome is WebhookOutcome.APPLIED else None
                if found is not None:  # a failed event, tried again
                    state.execute(self.q("webhook_event_set_outcome"),
                                  {"event_key": key, "outcome": str(outcome), "applied_at": applied_at})
                    return Accepted(outcome, False, key)
                inserted = self._record(state, key, registration, event, received_at, outcome, applied_at)
                return Accepted(outcome, not inserted, key)
        except Exception:
            with self.state.begin() as state:
                self._record(state, key, registration, event, received_at, WebhookOutcome.FAILED, None)
            raise

    def _record(self, state: Connection, key: str, registration: dict[str, Any], event: WebhookEvent,
                received_at: datetime, outcome: WebhookOutcome, applied_at: datetime | None) -> bool:
        """Insert the event's record; False when its key is recorded already (a concurrent duplicate)."""
        result = state.execute(self.q("webhook_event_insert"), {
            "event_key": key, "registration_id": int(registration["id"]), "tenant_id": registration["tenant_id"],
            "list_id": registration["list_id"], "event": event.event, "group_id": event.group_id,
            "receiver_id": event.receiver_id, "received_at": received_at, "outcome": str(outcome),
            "applied_at": applied_at})
        return bool(result.rowcount)

    def _apply(self, crm: Connection, state: Connection, registration: dict[str, Any], event: WebhookEvent) -> WebhookOutcome:
        list_id, group_id = registration["list_id"], str(registration["group_id"])
        owned = None
        if event.receiver_id is not None and event.group_id in (None, group_id):
            owned = state.execute(self.q("webhook_owned_select"), {
                "list_id": list_id, "group_id": group_id, "receiver_id": event.receiver_id}).mappings().first()
        early = screen(event, group_id, owned is not None)
        if early is not None:
            return early
        assert owned is not None
        if event.action is Action.FORGET:
            gone = state.execute(self.q("webhook_owned_forget"),
                                 {"list_id": list_id, "group_id": group_id, "receiver_id": event.receiver_id})
            return WebhookOutcome.APPLIED if gone.rowcount else WebhookOutcome.ALREADY
        contact = owned["contact_person_id"]
        if contact in (None, ""):
            return WebhookOutcome.NOT_OURS  # a record row without its contact: nobody to change
        keys = self.keys
        person = crm.execute(self.q("ui_contact_select"), {"tenant_id": registration["tenant_id"],
                                                           "contact_id": keys.bind_contact(contact)}).mappings().first()
        if not stands_for_member(owned["email_key"], person["email"] if person else None):
            return WebhookOutcome.NOT_OURS  # a former address's receiver: the sync's own removal fires this event
        if event.action is Action.UNSUBSCRIBE:
            changed = crm.execute(self.q("history_mark_members"), {
                "list_id": keys.bind_list(list_id), "contact_person_id": keys.bind_contact(contact),
                "sync_state": str(MemberState.UNSUBSCRIBED), "reason": UNSUBSCRIBE_REASON})
            return WebhookOutcome.APPLIED if changed.rowcount else WebhookOutcome.ALREADY
        waiting = {as_key(row[0]) for row in crm.execute(self.q("ui_members_ids_in_state"), {
            "list_id": keys.bind_list(list_id), "state": str(MemberState.UNCONFIRMED)})}
        outcome = confirm_outcome(MemberState.UNCONFIRMED if as_key(contact) in waiting else None)
        if outcome is WebhookOutcome.APPLIED:
            crm.execute(self.q("sync_set_member_state", contact_ids=keys.contact_sql_type(self.dialect)), {
                "list_id": keys.bind_list(list_id), "contact_ids": [keys.bind_contact(contact)],
                "sync_state": str(MemberState.SYNCED), "synced_at": utcnow(), "sync_error": None})
        return outcome


def is_open(registration: dict[str, Any] | None) -> bool:
    """Whether a registration answers CleverReach's verification GET (pending or active)."""
    return registration is not None and registration["hook_status"] in (WebhookStatus.PENDING, WebhookStatus.ACTIVE)
