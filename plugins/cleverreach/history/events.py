"""Turn report receivers into ``contact_history`` rows: a pure function.

One row per (mailing, receiver, kind), and per link for clicks. The external key is deterministic
(``mailing/receiver/kind[/link]``), so the table's unique key makes every rerun and overlapping
window idempotent. The event time comes from the receiver's own event for that mailing; CleverReach
keeps only a receiver's last 250 events, so a missing event falls back to the mailing's finish time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

SOURCE = "cleverreach"

# report state -> (history kind, receiver event type)
STATES: dict[str, tuple[str, str]] = {
    "sent": ("mail_sent", "mail_send"),
    "opened": ("mail_opened", "mail_open"),
    "clicked": ("mail_clicked", "mail_click"),
    "bounced": ("mail_bounced", "mail_bounce"),
    "unsubscribed": ("unsubscribed", "user_unsubscribe"),
}


class HistoryRow(NamedTuple):
    tenant_id: str
    contact_person_id: int
    occurred_at: datetime
    kind: str
    subject: str | None
    detail: str | None
    source: str
    external_key: str


@dataclass(frozen=True)
class Mailing:
    id: str
    name: str
    subject: str
    finished: int
    group_ids: tuple[str, ...]
    links: Mapping[str, str] = field(default_factory=dict)  # link id -> URL

    @classmethod
    def from_api(cls, mailing: dict[str, Any], links: Mapping[str, str] | None = None) -> Mailing:
        groups = (mailing.get("mailing_groups") or {}).get("group_ids") or []
        return cls(
            id=str(mailing["id"]),
            name=str(mailing.get("name") or ""),
            subject=str(mailing.get("subject") or ""),
            finished=int(mailing.get("finished") or 0),
            group_ids=tuple(str(g) for g in groups),
            links=dict(links or {}),
        )


class ContactIndex:
    """Maps a report receiver to a contact person of the tenant: by ext_id, else by e-mail."""

    def __init__(self, contacts: Iterable[tuple[int, str | None]]) -> None:
        self.ids: set[int] = set()
        self.by_email: dict[str, int] = {}
        self.email_of: dict[int, str] = {}
        for contact_id, email in contacts:
            self.ids.add(int(contact_id))
            key = (email or "").strip().lower()
            self.email_of[int(contact_id)] = key
            if key and (key not in self.by_email or contact_id < self.by_email[key]):
                self.by_email[key] = int(contact_id)

    def find(self, receiver: Mapping[str, Any], ext_id_attribute: str) -> int | None:
        attrs = receiver.get("global_attributes") or {}
        raw = str(attrs.get(ext_id_attribute) or "").strip() if isinstance(attrs, Mapping) else ""
        if raw.isdigit() and int(raw) in self.ids:
            return int(raw)
        return self.by_email.get(str(receiver.get("email") or "").strip().lower())


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _at(stamp: int) -> datetime:
    return datetime.fromtimestamp(int(stamp), UTC).replace(tzinfo=None)


@dataclass
class RowBatch:
    rows: list[HistoryRow] = field(default_factory=list)
    unmatched: int = 0
    # (contact id, "unsubscribed" | "bounced") seen in this batch, for the member states
    consent: list[tuple[int, str]] = field(default_factory=list)


def history_rows(
    tenant_id: str,
    mailing: Mailing,
    state: str,
    receivers: Iterable[Mapping[str, Any]],
    contacts: ContactIndex,
    ext_id_attribute: str = "ext_id",
) -> RowBatch:
    """The history rows of one report state's receivers; receivers that match no contact are counted."""
    kind, event_type = STATES[state]
    out = RowBatch()
    detail = f"{mailing.name} (mailing {mailing.id})"
    for receiver in receivers:
        contact_id = contacts.find(receiver, ext_id_attribute)
        if contact_id is None:
            out.unmatched += 1
            continue
        receiver_id = str(receiver.get("id") or receiver.get("email") or "")
        events = [
            e for e in (receiver.get("events") or [])
            if isinstance(e, Mapping) and e.get("type") == event_type and str(e.get("mailing_id")) == mailing.id
        ]
        key = f"{mailing.id}/{receiver_id}/{kind}"
        if state == "clicked":
            first_click: dict[str, int] = {}
            for event in events:
                link = str(event.get("type_id") or "")
                first_click[link] = min(first_click.get(link, 1 << 62), int(event.get("stamp") or mailing.finished))
            if not first_click:  # the click events were truncated away: one row, link unknown
                first_click = {"": mailing.finished}
            for link, stamp in sorted(first_click.items()):
                url = mailing.links.get(link, "")
                link_detail = f"{detail}: {url or ('link ' + link if link else 'link unknown')}"
                out.rows.append(HistoryRow(tenant_id, contact_id, _at(stamp), kind, mailing.subject, link_detail,
                                           SOURCE, f"{key}/{link or '-'}"))
            continue
        stamp = min((int(e.get("stamp") or 0) for e in events if e.get("stamp")), default=0) or mailing.finished
        row_detail = detail
        if state == "bounced" and events:
            row_detail = f"{detail}: {events[0].get('type_id') or 'bounce'}"
        out.rows.append(HistoryRow(tenant_id, contact_id, _at(stamp), kind, mailing.subject, row_detail, SOURCE, key))
        # Member states follow the receiver's current state, which the report carries: an unsubscribe
        # counts while the receiver is still deactivated (not after a re-subscription through a form),
        # a bounce while it is still bounced and the contact still has that address (a bounce concerns
        # one mailbox, not the person). The history row itself is kept either way.
        same_address = contacts.email_of.get(contact_id) == str(receiver.get("email") or "").strip().lower()
        still_deactivated = _int(receiver.get("deactivated")) > 0
        still_bounced = _int(receiver.get("bounced")) > 0
        if (state == "unsubscribed" and still_deactivated) or (state == "bounced" and still_bounced and same_address):
            out.consent.append((contact_id, state))
    return out
