"""What the probes saw, as plain values: the verdicts are computed from these alone (testable without
Airflow or HTTP). Nothing here holds an e-mail address; receivers are named by their ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReceiverStatus(StrEnum):
    """A receiver's state as the integration reads it from ``activated``/``deactivated``/``bounced``."""

    ACTIVE = "active"
    PENDING = "pending"  # activated = 0 and deactivated = 0: waits for a double opt-in
    DEACTIVATED = "deactivated"
    BOUNCED = "bounced"


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def receiver_int(receiver: dict[str, Any], name: str) -> int:
    """An integer field of a receiver (timestamps arrive as numbers or numeric strings)."""
    return _int(receiver.get(name))


@dataclass(frozen=True)
class ReceiverState:
    activated: int
    deactivated: int
    bounced: int

    @classmethod
    def from_api(cls, receiver: dict[str, Any]) -> ReceiverState:
        return cls(_int(receiver.get("activated")), _int(receiver.get("deactivated")), _int(receiver.get("bounced")))

    @property
    def status(self) -> ReceiverStatus:
        if self.bounced:
            return ReceiverStatus.BOUNCED
        if self.deactivated:
            return ReceiverStatus.DEACTIVATED
        return ReceiverStatus.ACTIVE if self.activated else ReceiverStatus.PENDING

    def describe(self) -> str:
        return f"{self.status} (activated={self.activated}, deactivated={self.deactivated})"


@dataclass(frozen=True)
class NotObserved:
    """A probe that could not run: a missing precondition or an API error (already free of addresses)."""

    reason: str


@dataclass(frozen=True)
class ValidateSeen:
    answer: Any  # the body of GET debug/validate


@dataclass(frozen=True)
class AttributesSeen:
    name: str
    listed: bool  # the answer was a list
    existed: bool
    present_after: bool


@dataclass(frozen=True)
class InsertSeen:
    item_status: str  # the per-item answer of the upsert
    state: ReceiverState | None  # read back; None = not found


@dataclass(frozen=True)
class UpsertSeen:
    item_status: str
    value_sent: str
    value_read: str | None


@dataclass(frozen=True)
class RefusalSeen:
    sent: int
    invalid_index: int
    item_ok: tuple[bool, ...] | None  # per-item success, aligned with the batch; None = no per-item answer
    batch_error: str | None  # the whole call failed
    valid_written: bool  # the valid item of the batch can be read back


@dataclass(frozen=True)
class PagingSeen:
    page_size: int
    order_by: str
    pages: tuple[tuple[str, ...], ...]  # receiver ids per page, in answer order, up to the first empty page
    expected: frozenset[str]  # ids of every receiver the group holds
    keys: tuple[int, ...] = ()  # the order_by field's value of each receiver, in answer order


@dataclass(frozen=True)
class PageSizeSeen:
    asked: int
    total: int
    got: int


@dataclass(frozen=True)
class DeactivateSeen:
    answer: Any
    before: ReceiverState | None
    after: ReceiverState | None


@dataclass(frozen=True)
class ActivatedZeroSeen:
    item_status: str
    before: ReceiverState | None
    after: ReceiverState | None


@dataclass(frozen=True)
class DeleteSeen:
    item_ok: bool | None  # the per-item answer; None = the call failed as a whole
    answer: str  # short, redacted
    still_there: bool


@dataclass(frozen=True)
class AttributeScopeSeen:
    value_in_first: str | None
    value_in_second: str | None


@dataclass(frozen=True)
class DeletedGroupSeen:
    answer: str  # "404", "200 []", "200 object", "HTTP 500", ...


@dataclass(frozen=True)
class WindowSeen:
    times: dict[str, int]  # stamp, started, finished of the mailing looked at
    found_by: frozenset[str]  # the fields whose window returned it


@dataclass(frozen=True)
class LimitSeen:
    limit: int
    returned: int
    older_missing: int  # finished mailings a second, older window returned that the first answer lacked


@dataclass(frozen=True)
class ReportPageSeen:
    sent: int
    asked: int
    got: int


@dataclass(frozen=True)
class ClicksSeen:
    links: int
    without_linkid: frozenset[str]
    per_link: frozenset[str]  # union over the links


class IdnVariant(StrEnum):
    """How the account stores and finds an address with an IDN domain (the emulator's ``idn_spelling``)."""

    AS_WRITTEN = "as_written"  # stored as written, found only so
    EITHER = "either"  # stored as written, found under either spelling
    PUNYCODE = "punycode"  # stored with the domain in IDNA 2008 punycode
    IDNA2003 = "idna2003"  # stored folded by IDNA 2003 (ß -> ss)
    REFUSED = "refused"  # refused as an invalid address
    OTHER = "other"  # none of these


@dataclass(frozen=True)
class IdnSeen:
    """The scratch receiver with an IDN address: written in Unicode, read back by id and by both spellings."""

    variant: IdnVariant
    detail: str  # what was seen, without the address


@dataclass
class Observations:
    """Every probe's observation by check key; a key without an entry was not run."""

    seen: dict[str, Any] = field(default_factory=dict)

    def record(self, key: str, observation: Any) -> None:
        self.seen[str(key)] = observation

    def missing(self, key: str, reason: str) -> None:
        self.seen.setdefault(str(key), NotObserved(reason))

    def get(self, key: str) -> Any:
        return self.seen.get(str(key))
