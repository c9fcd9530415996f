"""Turn report receivers into ``contact_history`` rows: pure functions.

One row per (mailing, contact, kind), and per link for clicks. The external key names the mailing, the
contact person and the kind (:func:`history_key`), never the receiver's id: CleverReach gives a
receiver a new id when it is deleted and added again, and the same person can be a receiver in two
of the mailing's groups. The table's unique key then makes every rerun and overlapping read
idempotent. The event time comes from the receiver's own event for that mailing; CleverReach keeps
only a receiver's last 250 events, so a missing event falls back to the mailing's finish time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from cleverreach.clock import from_unix
from cleverreach.crm.keys import as_key
from cleverreach.enums import HistoryKind
from cleverreach.email_keys import email_key

SOURCE = "cleverreach"


class ReportState(NamedTuple):
    """A report state the history reads: its row kind, the receiver event that dates it, and whether
    it can still change after the first read (``sent`` cannot: a mailing is sent once)."""

    kind: HistoryKind
    event_type: str
    changes: bool


STATES: dict[str, ReportState] = {
    "sent": ReportState(HistoryKind.MAIL_SENT, "mail_send", changes=False),
    "opened": ReportState(HistoryKind.MAIL_OPENED, "mail_open", changes=True),
    "clicked": ReportState(HistoryKind.MAIL_CLICKED, "mail_click", changes=True),
    "bounced": ReportState(HistoryKind.MAIL_BOUNCED, "mail_bounce", changes=True),
    "unsubscribed": ReportState(HistoryKind.UNSUBSCRIBED, "user_unsubscribe", changes=True),
}
CHANGING_STATES: tuple[str, ...] = tuple(state for state, spec in STATES.items() if spec.changes)


def history_key(mailing_id: str, contact_id: str | int, kind: HistoryKind, link_id: str | None = None) -> str:
    """``<mailing>/c<contact>/<kind>[/<link>]``: the ``c`` keeps it apart from the old receiver-id keys
    (``<mailing>/<receiver>/<kind>[/<link>]``, rewritten by migration 0008). The contact is its key's text
    (``as_key``), so an integer key gives the same external key as before keys became text."""
    key = f"{mailing_id}/c{as_key(contact_id)}/{kind.value}"
    return f"{key}/{link_id}" if link_id is not None else key


class HistoryRow(NamedTuple):
    tenant_id: str
    contact_person_id: str  # the key's text; bound in the CRM's type when written
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
    def from_api(cls, mailing: Mapping[str, Any], links: Mapping[str, str] | None = None) -> Mailing:
        groups = (mailing.get("mailing_groups") or {}).get("group_ids") or []
        return cls(
            id=str(mailing["id"]),
            name=str(mailing.get("name") or ""),
            subject=str(mailing.get("subject") or ""),
            finished=_int(mailing.get("finished")),
            group_ids=tuple(str(g) for g in groups),
            links=dict(links or {}),
        )


def _key_order(key: str) -> tuple[int, int, str]:
    """Numbers by their value (as before keys became text), then text keys by their text."""
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


class ContactIndex:
    """Maps a report receiver to a contact person of the tenant: by ext_id (the contact's key as text), else by
    e-mail (the sync's ``email_key``, so either spelling of an IDN domain), where the lowest key (by number,
    else by text) holds an address that several contacts share."""

    def __init__(self, contacts: Iterable[tuple[Any, str | None]]) -> None:
        self.ids: set[str] = set()
        self.by_email: dict[str, str] = {}
        self.email_of: dict[str, str] = {}
        for raw_id, email in contacts:
            contact_id = str(raw_id) if type(raw_id) is int else as_key(raw_id)  # as_key's text; a million a run
            self.ids.add(contact_id)
            key = email.strip().lower() if type(email) is str and email.isascii() else email_key(email or "")
            self.email_of[contact_id] = key
            if key and (key not in self.by_email or _key_order(contact_id) < _key_order(self.by_email[key])):
                self.by_email[key] = contact_id

    def find(self, receiver: Mapping[str, Any], ext_id_attribute: str) -> str | None:
        """The contact of a receiver, or None. Called once per report row (a million a run): the common types
        (``str`` values, an ASCII address) are read without the general conversions, to the same result."""
        attrs = receiver.get("global_attributes")
        if attrs and isinstance(attrs, Mapping):
            value = attrs.get(ext_id_attribute)
            if value:  # an empty ext_id is nobody's key (``as_key`` refuses empty keys)
                raw = (value if type(value) is str else str(value)).strip()
                if raw in self.ids:
                    return raw
        email = receiver.get("email")
        text = (email if type(email) is str else str(email or "")).strip().lower()
        return self.by_email.get(text if text.isascii() else email_key(text))


class Consent(NamedTuple):
    """An unsubscribe or bounce a report shows, for the member states. ``group_id`` is the group an
    unsubscribe names (it concerns that list only); a bounce has none (it concerns the address)."""

    contact_id: str
    state: str
    group_id: str | None


@dataclass
class RowBatch:
    rows: list[HistoryRow] = field(default_factory=list)
    unmatched: int = 0
    consent: list[Consent] = field(default_factory=list)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _email(receiver: Mapping[str, Any]) -> str:
    """The sync's key of a receiver's address: CleverReach may report ``bücher.example`` in either spelling."""
    return email_key(str(receiver.get("email") or ""))


def _events(receiver: Mapping[str, Any], mailing_id: str, event_type: str,
            link_id: str | None = None) -> list[Mapping[str, Any]]:
    """The receiver's events of ``event_type`` for this mailing (and, for a click, this link), in their order."""
    found = []
    for e in receiver.get("events") or ():
        # (dict, Mapping): a decoded event is a dict, and the exact type is checked first (a million a run)
        if (type(e) is dict or isinstance(e, Mapping)) and e.get("type") == event_type:
            mid = e.get("mailing_id")
            if (mid == mailing_id or str(mid) == mailing_id) and (
                    link_id is None or str(e.get("type_id") or "") == link_id):
                found.append(e)
    return found


def _first_stamp(events: Iterable[Mapping[str, Any]], fallback: int) -> int:
    """The earliest non-zero stamp of ``events``, else ``fallback``."""
    first = 0
    for event in events:
        stamp = event.get("stamp")
        stamp = stamp if type(stamp) is int else _int(stamp)
        if stamp and (not first or stamp < first):
            first = stamp
    return first or fallback


def unsubscribe_group(receiver: Mapping[str, Any], events: list[Mapping[str, Any]]) -> str | None:
    """The group an unsubscribe concerns: the one its ``user_unsubscribe`` event names, else the
    receiver's own group."""
    for event in events:
        if str(event.get("groups_id") or "") not in ("", "0"):
            return str(event["groups_id"])
    group = str(receiver.get("group_id") or "")
    return group if group not in ("", "0") else None


def history_rows(
    tenant_id: str,
    mailing: Mailing,
    state: str,
    receivers: Iterable[Mapping[str, Any]],
    contacts: ContactIndex,
    ext_id_attribute: str = "ext_id",
    *,
    link_id: str | None = None,
) -> RowBatch:
    """
    The history rows of one report state's receivers; receivers that match no contact are counted.

    :param link_id: for ``clicked``: the link whose clickers ``receivers`` are (clicks are read per link).
    """
    spec = STATES[state]
    clicked = state == "clicked"
    if clicked and link_id is None:
        raise ValueError("clicks are read per link: link_id is required")
    out = RowBatch()
    detail = f"{mailing.name} (mailing {mailing.id})"
    if clicked:
        detail = f"{detail}: {mailing.links.get(str(link_id), '') or f'link {link_id}'}"
    # Per report row (a million a run) only what differs: the key is history_key's text, built from its parts.
    prefix, suffix = f"{mailing.id}/c", f"/{spec.kind.value}" + (f"/{link_id}" if clicked else "")
    mailing_id, event_type, kind, subject = mailing.id, spec.event_type, spec.kind.value, mailing.subject
    link = link_id if clicked else None
    consents = state in ("unsubscribed", "bounced")  # the states whose receivers can change a member state
    find, new_row, rows, times = contacts.find, tuple.__new__, out.rows, {}
    for receiver in receivers:
        contact_id = find(receiver, ext_id_attribute)
        if contact_id is None:
            out.unmatched += 1
            continue
        events = _events(receiver, mailing_id, event_type, link)
        stamp = _first_stamp(events, mailing.finished)
        at = times.get(stamp)
        if at is None:
            at = times[stamp] = from_unix(stamp)
        row_detail = detail
        if state == "bounced" and events:
            row_detail = f"{detail}: {events[0].get('type_id') or 'bounce'}"
        rows.append(new_row(HistoryRow, (tenant_id, contact_id, at, kind, subject, row_detail, SOURCE,
                                         prefix + contact_id + suffix)))
        if consents:
            consent = _consent(state, receiver, events, contact_id, contacts)
            if consent is not None:
                out.consent.append(consent)
    return out


def _consent(
    state: str, receiver: Mapping[str, Any], events: list[Mapping[str, Any]], contact_id: str, contacts: ContactIndex
) -> Consent | None:
    """Member states follow the receiver's current state, which the report carries: an unsubscribe
    counts while the receiver is still deactivated (not after a re-subscription through a form), a
    bounce while it is still bounced and the contact still has that address (a bounce concerns one
    mailbox, not the person). The history row itself is kept either way."""
    if state == "unsubscribed":
        group = unsubscribe_group(receiver, events)
        own_group = str(receiver.get("group_id") or "")
        # The receiver's flags describe its own group only; an event naming another group is evidence enough.
        if group is not None and (group != own_group or _int(receiver.get("deactivated")) > 0):
            return Consent(contact_id, state, group)
    elif state == "bounced":
        same_address = contacts.email_of.get(contact_id) == _email(receiver)
        if _int(receiver.get("bounced")) > 0 and same_address:
            return Consent(contact_id, state, None)
    return None


def keep_earliest(best: dict[str, HistoryRow], rows: Iterable[HistoryRow]) -> None:
    """Merge ``rows`` into ``best`` (external key -> row), the earliest event winning: :func:`unique_rows`
    page by page, so that a read keeps one row per key and never the list of every row it read."""
    for row in rows:
        kept = best.setdefault(row[7], row)  # [7]: the external key (a field by index: a million a run)
        if kept is not row and row[2] < kept[2]:  # [2]: occurred_at
            best[row[7]] = row


def unique_rows(rows: Iterable[HistoryRow]) -> list[HistoryRow]:
    """One row per external key (a person who is a receiver in two of the mailing's groups appears
    twice in a report), the earliest event winning; in key order, so writes are deterministic."""
    best: dict[str, HistoryRow] = {}
    keep_earliest(best, rows)
    return [best[key] for key in sorted(best)]
