"""CleverReach's receiver webhooks, read: the call token wherever it is sent, the event's body in every shape seen,
the idempotency key of an event, and what an event does to a member (pure: no HTTP, no database).

The protocol is known only in part (docs/ and ``cleverreach-webhooks.md`` of the reference notes): the token is
read from the ``X-CR-Calltoken`` header, a ``call_token`` query parameter or a ``call_token`` body field; the body
is ``{"event", "condition", "payload": {"pool_id", ...}}``, but ``pool_id``/``group_id`` at the top level and ids
as numbers or text are read too. The e-mail address (plain, encrypted or absent) is never read: the receiver is
found by its id in the ownership record (``sync_owned_receiver``), so only receivers the sync owns are acted on, and
only while the receiver's address is the member's current one (``stands_for_member``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cleverreach.email_keys import email_key
from cleverreach.enums import MemberState, WebhookOutcome

URL_PREFIX = "/cleverreach-webhooks"  # where the public app is mounted in Airflow's API server (ui.plugin)
UNSUBSCRIBED, SUBSCRIBED, DELETED = "receiver.unsubscribed", "receiver.subscribed", "receiver.deleted"
DEFAULT_EVENTS: tuple[str, ...] = (UNSUBSCRIBED, SUBSCRIBED, DELETED)
EVENT_PATTERN = r"^[a-z]+\.[a-z_]+$"
TOKEN_HEADER = "X-CR-Calltoken"
TOKEN_FIELD = "call_token"  # the query parameter and the body field
MAX_BODY_BYTES = 64 * 1024  # an event is a few hundred bytes; anything far larger is refused (413)
UNSUBSCRIBE_REASON = "unsubscribed in CleverReach (webhook)"
#: fields that may carry the event's time, top level first, then the payload (unknown which CleverReach sends)
TIME_FIELDS = ("timestamp", "stamp", "time", "event_time", "sent_at", "created_at")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_EVENT = re.compile(EVENT_PATTERN)
_NO_TOKEN = hashlib.sha256(b"no token").hexdigest()


class WebhookPayloadError(ValueError):
    """The body is not an event this endpoint can read (not JSON, not an object, an id that is not an id): 400."""


class Action(StrEnum):
    """What an event asks of the CRM once its receiver is found to be the sync's."""

    UNSUBSCRIBE = "unsubscribe"  # the member's sync_state -> unsubscribed
    CONFIRM = "confirm"  # an unconfirmed member (double opt-in) -> synced
    FORGET = "forget"  # the receiver is gone: drop its ownership row, as the sync does
    NONE = "none"


EVENT_ACTIONS = {UNSUBSCRIBED: Action.UNSUBSCRIBE, SUBSCRIBED: Action.CONFIRM, DELETED: Action.FORGET}


@dataclass(frozen=True)
class WebhookEvent:
    """One event as read from its body: ids as text, the body's own time if it has one."""

    event: str
    group_id: str | None
    receiver_id: str | None
    stamp: str | None

    @property
    def action(self) -> Action:
        return EVENT_ACTIONS.get(self.event, Action.NONE)


# ---------------------------------------------------------------------- the call token
def token_sha256(token: str) -> str:
    """What is stored of a call token: its SHA-256 in hex (a 64-character random token needs no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(presented: str | None, stored_sha256: str | None) -> bool:
    """Whether ``presented`` is the token whose hash is stored, compared in constant time (a missing token or hash
    is compared too, against a value nothing matches, so the answer takes as long)."""
    given = token_sha256(presented) if presented else _NO_TOKEN
    expected = stored_sha256 or _NO_TOKEN
    return hmac.compare_digest(given, expected) and presented is not None and stored_sha256 is not None


def presented_token(headers: Mapping[str, str], query: Mapping[str, str], body: Mapping[str, Any] | None) -> str | None:
    """The call token as sent: the ``X-CR-Calltoken`` header (any case), else the ``call_token`` query parameter,
    else the body's ``call_token`` field. Blank counts as missing."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    for value in (lowered.get(TOKEN_HEADER.lower()), query.get(TOKEN_FIELD),
                  body.get(TOKEN_FIELD) if isinstance(body, Mapping) else None):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


# ---------------------------------------------------------------------- verification
def new_verify() -> str:
    """A fresh ``verify`` value: 32 URL-safe characters (CleverReach takes 10 to 50)."""
    return secrets.token_urlsafe(24)


def verification_answer(verify: str, secret: str) -> str:
    """The plain-text body CleverReach's verification GET expects: ``"<verify> <secret>"``."""
    return f"{verify} {secret}"


# ---------------------------------------------------------------------- the body
def parse_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything else is a :class:`WebhookPayloadError`."""
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        raise WebhookPayloadError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    return body


def _id(value: Any, name: str) -> str | None:
    """An id as text: a number or text of id characters; None when absent or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise WebhookPayloadError(f"{name} is not an id")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not _ID.match(text):
        raise WebhookPayloadError(f"{name} is not an id")
    return text


def _payload(body: Mapping[str, Any]) -> Mapping[str, Any]:
    payload = body.get("payload")
    if isinstance(payload, str):  # a payload sent as JSON text
        try:
            payload = json.loads(payload)
        except ValueError:
            raise WebhookPayloadError("payload is neither an object nor JSON text of one") from None
    if isinstance(payload, list) and len(payload) == 1:
        payload = payload[0]
    if payload is None:
        return {}
    if not isinstance(payload, Mapping):
        raise WebhookPayloadError("payload is not an object")
    return payload


def _first(places: tuple[Mapping[str, Any], ...], names: tuple[str, ...]) -> Any:
    for place in places:
        for name in names:
            if place.get(name) not in (None, ""):
                return place[name]
    return None


def parse_event(body: Mapping[str, Any], default_event: str) -> WebhookEvent:
    """The event of a body: ``event`` (else the registration's), the group (``condition`` or ``group_id``, top level
    or payload) and the receiver (``pool_id`` or ``receiver_id``, payload or top level). No e-mail is read."""
    payload = _payload(body)
    event = body.get("event") if body.get("event") not in (None, "") else default_event
    if not isinstance(event, str) or not _EVENT.match(event.strip().lower()):
        raise WebhookPayloadError("event is not an event name")
    group = _id(_first((body, payload), ("condition", "group_id")), "the group id")
    receiver = _id(_first((payload, body), ("pool_id", "receiver_id")), "the receiver id")
    stamp = _first((body, payload), TIME_FIELDS)
    if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int | float | str) or len(str(stamp)) > 64):
        stamp = None
    return WebhookEvent(event.strip().lower(), group, receiver, None if stamp is None else str(stamp))


def event_key(registration_id: int, event: WebhookEvent, received_at: datetime) -> str:
    """The idempotency key: registration, event, group, receiver and the body's time. Without a time in the body the
    UTC day of receipt stands in: a replay the same day is the same event, and the same person's genuine later
    event (another day) is applied (an encrypted address may differ between deliveries, so the body is not hashed)."""
    when = f"t:{event.stamp}" if event.stamp is not None else f"d:{received_at.date().isoformat()}"
    parts = (str(registration_id), event.event, event.group_id or "", event.receiver_id or "", when)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------- what an event does
def screen(event: WebhookEvent, registration_group: str, owned: bool) -> WebhookOutcome | None:
    """The outcome decided before the CRM is read, or None when the event is to be applied: an event not acted on
    (ignored), another group (unknown_group), no receiver id or a receiver the sync does not own (not_ours)."""
    if event.action is Action.NONE:
        return WebhookOutcome.IGNORED
    if event.group_id is not None and event.group_id != registration_group:
        return WebhookOutcome.UNKNOWN_GROUP
    if event.receiver_id is None or not owned:
        return WebhookOutcome.NOT_OURS
    return None


def stands_for_member(owned_email_key: str | None, member_email: str | None) -> bool:
    """Whether the owned receiver is the one the member is synced as: its address is the member's current one.

    The receiver of a former address (an e-mail changed in the CRM, or no longer valid) is the one the sync removes,
    and its own deactivation fires ``receiver.unsubscribed`` (CleverReach may notify changes made through the API):
    read as the person's unsubscribe it would unsubscribe a member who only changed address. Such an event is not
    applied; a genuine unsubscribe from an old address's mailing reaches the member through the mail history."""
    if not owned_email_key or not member_email:
        return False
    return email_key(member_email) == owned_email_key


def confirm_outcome(member_state: str | None) -> WebhookOutcome:
    """A subscribe confirms only a member waiting for the double opt-in; every other state is kept as it is
    (an unsubscribed member is never subscribed again by an event)."""
    return WebhookOutcome.APPLIED if member_state == MemberState.UNCONFIRMED else WebhookOutcome.KEPT
