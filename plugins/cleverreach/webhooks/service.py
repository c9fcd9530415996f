"""The endpoint's work, without HTTP: answer CleverReach's verification, and take one event (token checked first,
then read, recorded and applied). Each answer is a status code and a small body that names no person."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from cleverreach.enums import WebhookStatus
from cleverreach.webhooks.events import (
    WebhookPayloadError,
    parse_body,
    parse_event,
    presented_token,
    token_matches,
    verification_answer,
)
from cleverreach.webhooks.store import WebhookStore, is_open

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: the status and a JSON body (counts and words, never a token or an address)."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


class WebhookReceiver:
    """One endpoint's logic over the CRM engine (its private state bound to it, as every store's)."""

    def __init__(self, engine: Engine) -> None:
        self.store = WebhookStore(engine)

    def verification(self, tenant_id: str, list_id: str, event: str, secret: str) -> str | None:
        """``"<verify> <secret>"`` for a pending or active registration; None (a 404) for any other."""
        registration = self.store.routed(tenant_id, list_id, event)
        if not is_open(registration):
            return None
        assert registration is not None
        return verification_answer(str(registration["verify"]), secret)

    def receive(self, tenant_id: str, list_id: str, event: str, headers: Mapping[str, str],
                query: Mapping[str, str], raw: bytes) -> Answer:
        """Check the call token before anything is recorded (401 missing, 403 wrong: nothing written, the token never
        logged), then read the event (400 if unreadable), then record and apply it once (200, also for a replay,
        a group or receiver that is not ours: CleverReach must not retry those; 500 when the change failed, so that
        it may retry: the event is recorded as failed and applied when it comes again). ``tenant_id`` is the path's:
        after a rename the registration (and the change) is the new tenant's (``WebhookStore.routed``)."""
        registration = self.store.routed(tenant_id, list_id, event)
        if registration is None:
            return Answer(404, {"error": "no such webhook"})
        body: dict[str, Any] | None = None
        token = presented_token(headers, query, None)
        if token is None:  # perhaps in the body: read it (a body that is not JSON cannot carry one)
            try:
                body = parse_body(raw)
            except WebhookPayloadError:
                return Answer(401, {"error": "call token missing"})
            token = presented_token({}, {}, body)
        if token is None:
            return Answer(401, {"error": "call token missing"})
        active = registration["hook_status"] != WebhookStatus.REMOVED
        if not (token_matches(token, registration["call_token_sha256"]) and active):
            log.warning("Webhook %s/%s/%s: an event with a wrong call token was refused", tenant_id, list_id, event)
            return Answer(403, {"error": "call token refused"})
        try:
            parsed = parse_event(body if body is not None else parse_body(raw), event)
        except WebhookPayloadError as exc:
            return Answer(400, {"error": str(exc)})
        try:
            accepted = self.store.accept(registration, parsed)
        except Exception as exc:  # noqa: BLE001 - recorded as failed; CleverReach may retry, the history reconciles
            log.error("Webhook %s/%s: %s could not be applied (%s); recorded as failed", tenant_id, list_id,
                      parsed.event, type(exc).__name__)
            return Answer(500, {"outcome": "failed"})
        log.info("Webhook %s/%s: %s -> %s%s", tenant_id, list_id, parsed.event, accepted.outcome,
                 " (replay)" if accepted.replay else "")
        return Answer(200, {"outcome": str(accepted.outcome), "replay": accepted.replay})
