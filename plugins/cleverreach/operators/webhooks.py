"""Register, remove or report one tenant's CleverReach receiver webhooks (``cleverreach.webhooks.registration``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from sqlalchemy import Engine

from cleverreach.exceptions import CleverReachConfigError, RecipientListError
from cleverreach.lists.store import ListStore
from cleverreach.operators.base import CleverReachTenantOperator
from cleverreach.operators.tenants import optional_list_id
from cleverreach.webhooks.registration import ACTIONS, WebhookRegistrar, base_url_from_config, checked_events
from cleverreach.webhooks.store import WebhookStore


class CleverReachWebhooksOperator(CleverReachTenantOperator):
    """
    One task per tenant, not one per list: a tenant has a few lists and three calls per list, the hook's login and
    the eventhook path found by its first call serve them all, and the account's registrations are listed once.

    ``register`` needs ``[cleverreach] webhook_base_url``; it and ``remove`` act on every list of the tenant that
    has a group (``list_id`` empty) or the one named; ``remove`` also covers lists whose group is gone. A list whose
    call failed fails the task after the others are done (a re-run registers again: registering replaces).

    :param list_id: ``recipient_list.id``; empty = every list of the tenant (templated).
    :param action: ``register``, ``remove`` or ``status`` (templated).
    :param events: the events; empty = receiver.unsubscribed, receiver.subscribed, receiver.deleted (templated).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "list_id", "action", "events")
    ui_color = "#e3f0e3"

    def __init__(self, *, list_id: Any = None, action: str = "status", events: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.list_id, self.action, self.events = list_id, action, events

    def _lists(self, engine: Engine, *, with_gone: bool) -> list[tuple[str, str]]:
        try:
            rows = ListStore(engine).lists(str(self.tenant_id), optional_list_id(self.list_id))
        except RecipientListError as exc:
            raise AirflowFailException(str(exc)) from None
        return [(str(row["id"]), str(row["external_id"])) for row in rows
                if row["external_id"] not in (None, "") and (with_gone or row["remote_deleted_at"] is None)]

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        action = str(self.action or "").strip().lower()
        if action not in ACTIONS:
            raise AirflowFailException(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        try:
            events = checked_events(self.events)
            base_url = base_url_from_config()
        except (ValueError, CleverReachConfigError) as exc:
            raise AirflowFailException(str(exc)) from None
        lists = self._lists(engine, with_gone=action != "register")
        registrar = WebhookRegistrar(self.cleverreach, WebhookStore(engine), str(self.tenant_id), base_url, self.log,
                                     actor=self.actor(context))
        if action == "status":
            rows = registrar.status(lists, events)
            self.log.info("Tenant %s: %d webhook(s) checked, %d not as recorded", self.tenant_id, len(rows),
                          sum(not row["consistent"] for row in rows))
            return {"tenant_id": str(self.tenant_id), "action": action, "webhooks": rows}
        step = registrar.register if action == "register" else registrar.remove
        reports = [step(list_id, group_id, events) for list_id, group_id in lists]
        failed = sum(len(report["failed"]) for report in reports)
        summary = {"tenant_id": str(self.tenant_id), "action": action, "lists": reports, "failed": failed}
        self.log.info("Tenant %s: webhooks %s on %d list(s), %d failed", self.tenant_id, action, len(reports), failed)
        if failed:
            raise AirflowException(f"tenant {self.tenant_id!r}: {failed} webhook call(s) failed; see the log (retried)")
        return summary
