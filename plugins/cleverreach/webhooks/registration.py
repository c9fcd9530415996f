"""Register, remove and report a tenant's receiver webhooks, list by list and event by event.

A registration is stored as pending with a fresh ``verify`` value before the call, because CleverReach verifies
the URL during the call; once CleverReach answers, the call token's hash makes it active. Registering again
replaces: the event's registration for the group is removed in CleverReach first (always with its group as
``condition``), then made anew with a new verify value and token. Removal marks the row removed, whether or not
CleverReach still had it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.crm.keys import as_key
from cleverreach.enums import AuditAction, WebhookStatus
from cleverreach.exceptions import CleverReachConfigError, CleverReachError
from cleverreach.hooks.eventhooks import EventhookMixin
from cleverreach.hooks.transport import _is_loopback
from cleverreach.webhooks.events import DEFAULT_EVENTS, EVENT_PATTERN, URL_PREFIX, new_verify, token_sha256
from cleverreach.webhooks.store import WebhookStore

BASE_URL_OPTION = ("cleverreach", "webhook_base_url")
BASE_URL_ENV = "AIRFLOW__CLEVERREACH__WEBHOOK_BASE_URL"
ACTIONS = ("register", "remove", "status")


def checked_base_url(value: str | None) -> str:
    """The public base URL of Airflow's API server, as CleverReach reaches it: https (http only to a loopback host,
    for tests), no query; a path prefix is kept. Unset is an error that says where to set it."""
    text = (value or "").strip().rstrip("/")
    if not text:
        raise CleverReachConfigError(
            f"[cleverreach] webhook_base_url is not set (env {BASE_URL_ENV}): the public https URL of Airflow's API "
            "server as CleverReach reaches it, e.g. https://airflow.example.com")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise CleverReachConfigError(f"[cleverreach] webhook_base_url must be an http(s) URL without query, got {text!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise CleverReachConfigError("[cleverreach] webhook_base_url must use https (plain http only on loopback)")
    return text


def base_url_from_config() -> str:
    from airflow.sdk import conf

    return checked_base_url(conf.get(*BASE_URL_OPTION, fallback=None))


def endpoint_url(base_url: str, tenant_id: str, event: str, list_id: str) -> str:
    """The URL of one registration: ``<base>/cleverreach-webhooks/<tenant>/<event>/<list>``."""
    return f"{base_url}{URL_PREFIX}/{quote(tenant_id, safe='')}/{event}/{quote(as_key(list_id), safe='/:@+')}"


def checked_events(events: Any) -> tuple[str, ...]:
    """The events to act on: the three receiver events by default; each must look like ``receiver.x``."""
    import re

    if events in (None, "", []):
        return DEFAULT_EVENTS
    items = [events] if isinstance(events, str) else list(events)
    names = tuple(dict.fromkeys(str(e).strip().lower() for e in items))
    bad = [n for n in names if not re.match(EVENT_PATTERN, n)]
    if bad:
        raise ValueError(f"not event names: {bad}")
    return names


class WebhookRegistrar:
    """One tenant's registrations through its CleverReach hook; per list a report of counts and states."""

    def __init__(self, hook: EventhookMixin, store: WebhookStore, tenant_id: str, base_url: str,
                 logger: logging.Logger | None = None, actor: Actor | None = None) -> None:
        self.hook, self.store, self.tenant_id, self.base_url = hook, store, tenant_id, base_url
        self.log = logger or logging.getLogger(__name__)
        self.actor = actor  # who registers and removes: each change is in the audit trail (None: not recorded)

    def _audit(self, action: AuditAction, list_id: str, group_id: str, event: str, **detail: Any) -> AuditEvent | None:
        if self.actor is None:
            return None
        return AuditEvent(action, self.tenant_id, self.actor, list_id=list_id,
                          detail={"event": event, "group_id": str(group_id), **detail})

    def register(self, list_id: str, group_id: str, events: Sequence[str]) -> dict[str, Any]:
        done, failed = [], []
        for event in events:
            url = endpoint_url(self.base_url, self.tenant_id, event, list_id)
            self.store.save_pending(self.tenant_id, list_id, group_id, event, url, new_verify())
            try:
                self.hook.delete_eventhook(event, group_id)  # re-registering replaces: only this group's
                registration = self.hook.register_eventhook(url, event, group_id, self._verify(list_id, event))
            except CleverReachError as exc:
                self.log.warning("List %s: registering %s for group %s failed: %s", list_id, event, group_id, exc)
                failed.append({"event": event, "error": type(exc).__name__})
                continue
            self.store.activate(self.tenant_id, list_id, event, token_sha256(registration.call_token), registration.api_path,
                                audit=self._audit(AuditAction.WEBHOOK_REGISTERED, list_id, group_id, event))
            done.append(event)
        return {"list_id": as_key(list_id), "group_id": str(group_id), "registered": done, "failed": failed,
                "api_path": self.hook.eventhook_path}

    def _verify(self, list_id: str, event: str) -> str:
        row = self.store.registration(self.tenant_id, list_id, event)
        assert row is not None
        return str(row["verify"])

    def remove(self, list_id: str, group_id: str, events: Sequence[str]) -> dict[str, Any]:
        removed, absent, failed = [], [], []
        for event in events:
            try:
                deleted = self.hook.delete_eventhook(event, group_id)
            except CleverReachError as exc:
                self.log.warning("List %s: removing %s for group %s failed: %s", list_id, event, group_id, exc)
                failed.append({"event": event, "error": type(exc).__name__})
                continue
            (removed if deleted else absent).append(event)
            ours = self.store.registration(self.tenant_id, list_id, event)
            if ours is not None and ours["hook_status"] != WebhookStatus.REMOVED:
                self.store.remove(self.tenant_id, list_id, event, audit=self._audit(
                    AuditAction.WEBHOOK_REMOVED, list_id, group_id, event, in_cleverreach=bool(deleted)))
        return {"list_id": as_key(list_id), "group_id": str(group_id), "removed": removed,
                "not_in_cleverreach": absent, "failed": failed}

    def status(self, lists: Sequence[tuple[str, str]], events: Sequence[str]) -> list[dict[str, Any]]:
        """Per list and event: our row's status and whether CleverReach lists a registration of that URL."""
        remote = self.hook.list_eventhooks()
        seen = {(str(item.get("event", "")), str(item.get("condition", "")), str(item.get("url", ""))) for item in remote}
        rows = []
        for list_id, group_id in lists:
            for event in events:
                ours = self.store.registration(self.tenant_id, list_id, event)
                # the URL registered (after a tenant rename: the old id's), else the one a registration would get
                url = str(ours["url"]) if ours else endpoint_url(self.base_url, self.tenant_id, event, list_id)
                rows.append({"list_id": as_key(list_id), "group_id": str(group_id), "event": event,
                             "status": ours["hook_status"] if ours else "none",
                             "in_cleverreach": (event, str(group_id), url) in seen,
                             "consistent": (ours is not None and ours["hook_status"] == WebhookStatus.ACTIVE)
                             == ((event, str(group_id), url) in seen)})
        return rows
