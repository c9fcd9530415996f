"""Which mailings the history reads, and which of their report states: decisions that do not depend
on what ``GET /mailings`` leaves unknown.

Whether ``start``/``end`` of ``GET /mailings`` filter on ``stamp`` (created), ``started`` or ``finished``
is unknown, and so is whether its ``limit`` is clamped (the documented default is 25). So the server is
asked for a window that reaches ``history_lookback_days`` before the first finish wanted (a mailing
drafted weeks before it was sent is caught under every reading), ``finished`` is filtered here, and an
answer that could have been cut is not trusted: it is split into halves until every part is below the
documented default limit. Parts overlap at nothing, and the answers are merged by id all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from cleverreach.exceptions import CleverReachResponseError
from cleverreach.history.events import CHANGING_STATES, STATES

DAY = 86400
SAFE_ANSWER = 25  # GET /mailings' documented default limit: an answer this long may have been cut
REREAD_MARGIN = DAY  # a re-read starts this long before the last read (late-recorded events, clock skew)

ListMailings = Callable[[int, int], list[dict[str, Any]]]  # (start, end) -> the server's answer


def finished_of(mailing: Mapping[str, Any]) -> int:
    try:
        return int(mailing.get("finished") or 0)
    except (TypeError, ValueError):
        return 0


def complete_answer(list_mailings: ListMailings, start: int, end: int) -> dict[str, dict[str, Any]]:
    """Every mailing the server has in ``[start, end]`` by its own reading of the window, by id;
    an answer of :data:`SAFE_ANSWER` or more is split in halves until no part could have been cut."""
    found: dict[str, dict[str, Any]] = {}
    pending = [(start, end)]
    while pending:
        low, high = pending.pop()
        answer = list_mailings(low, high)
        if len(answer) < SAFE_ANSWER:
            for mailing in answer:
                found.setdefault(str(mailing["id"]), mailing)
            continue
        if high <= low:
            raise CleverReachResponseError(
                f"GET /v3/mailings: {len(answer)} mailings in the one second {low}; cannot tell whether "
                f"the answer was cut"
            )
        middle = (low + high) // 2
        pending += [(middle + 1, high), (low, middle)]
    return found


def finished_mailings(list_mailings: ListMailings, start: int, end: int, lookback_days: int) -> list[dict[str, Any]]:
    """The mailings finished in ``[start, end]``, oldest first; the server is asked from
    ``lookback_days`` before ``start`` so that its window catches them whatever timestamp it filters on."""
    found = complete_answer(list_mailings, max(0, start - lookback_days * DAY), end)
    wanted = [m for m in found.values() if finished_of(m) and start <= finished_of(m) <= end]
    return sorted(wanted, key=lambda m: (finished_of(m), str(m["id"])))


class MailingRecord(NamedTuple):
    """The private record of one mailing: when it was last read in full or in part (``read_at``, None =
    never completely), and its consecutive failures with the last error's class."""

    mailing_id: str
    finished: int
    read_at: int | None
    failures: int = 0
    error_class: str | None = None
    unmatched: int = 0  # report receivers of the last read that matched no contact


class ReadPlan(NamedTuple):
    """The report states to read and the event window's start (None = every event)."""

    states: tuple[str, ...]
    since: int | None

    @property
    def complete(self) -> bool:
        return self.since is None


FULL_READ = ReadPlan(tuple(STATES), None)


def plan_read(
    record: MailingRecord | None, finished: int, *, reread_days: int, new_list: bool = False
) -> ReadPlan | None:
    """
    What to read of one mailing, or None when nothing can have changed.

    A mailing never read completely (new, or failed so far), or one that went to a list no history was
    loaded for yet, is read in full. A loaded one is re-read for the states that can still change
    (``sent`` is read once), from its last read minus :data:`REREAD_MARGIN`, until a read has happened
    after its ``reread_days`` ended; while its last read left receivers that matched no contact, it is
    read in full again.
    """
    if record is None or record.read_at is None or new_list:
        return FULL_READ
    if record.read_at >= finished + reread_days * DAY:
        return None
    if record.unmatched:  # a receiver that matched no contact may match one now (a contact created since)
        return FULL_READ
    return ReadPlan(CHANGING_STATES, max(0, record.read_at - REREAD_MARGIN))
