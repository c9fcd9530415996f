"""The assumptions the integration makes about CleverReach, and the verdict on each from what was seen.

Each :class:`Check` has a line of the table: the assumption, what the integration expects, and a
judge that turns the probe's observation into ``holds``, ``differs`` (saying what was seen) or
``could not check`` (saying why). The expectations are the behaviours the integration is built on
(the emulator's defaults); see the "Corrections after a second review" of the API reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cleverreach.api_check.observations import (
    ActivatedZeroSeen,
    AttributeScopeSeen,
    AttributesSeen,
    ClicksSeen,
    DeactivateSeen,
    DeletedGroupSeen,
    DeleteSeen,
    IdnSeen,
    IdnVariant,
    InsertSeen,
    LimitSeen,
    NotObserved,
    Observations,
    PageSizeSeen,
    PagingSeen,
    ReceiverStatus,
    RefusalSeen,
    ReportPageSeen,
    UpsertSeen,
    ValidateSeen,
    WindowSeen,
)
from cleverreach.enums import CheckVerdict


class Check(StrEnum):
    """One assumption, by key (the ``check`` column of the returned rows)."""

    TOKEN_VALIDATE = "token_validate"
    GLOBAL_ATTRIBUTES = "global_attributes"
    INSERT_WITHOUT_ACTIVATED = "insert_without_activated"
    INSERT_ACTIVATED_TIMESTAMP = "insert_activated_timestamp"
    INSERT_ACTIVATED_ZERO = "insert_activated_zero"
    UPSERT_EXISTING = "upsert_existing"
    PER_ITEM_REFUSAL = "per_item_refusal"
    PAGING_ORDER_BY = "paging_order_by"
    PAGE_SIZE_HONOURED = "page_size_honoured"
    DEACTIVATE_PUT = "deactivate_put"
    ACTIVATED_ZERO_EXISTING = "activated_zero_existing"
    DELETE_BY_ID = "delete_by_id"
    DELETE_BY_EMAIL = "delete_by_email"
    GLOBAL_ATTRIBUTE_SCOPE = "global_attribute_scope"
    DELETED_GROUP_RESPONSE = "deleted_group_response"
    MAILINGS_WINDOW = "mailings_window"
    MAILINGS_LIMIT = "mailings_limit"
    REPORT_PAGE_SIZE = "report_page_size"
    CLICKS_WITHOUT_LINKID = "clicks_without_linkid"
    IDN_SPELLING = "idn_spelling"


Judgement = tuple[CheckVerdict, str]
HOLDS, DIFFERS, UNCHECKED = CheckVerdict.HOLDS, CheckVerdict.DIFFERS, CheckVerdict.COULD_NOT_CHECK


@dataclass(frozen=True)
class Assumption:
    check: Check
    assumption: str
    expected: str
    judge: Callable[[Any], Judgement]


@dataclass(frozen=True)
class CheckRow:
    """One line of the result table (and one dict of the task's XCom)."""

    check: Check
    assumption: str
    expected: str
    result: CheckVerdict
    seen: str

    def as_dict(self) -> dict[str, str]:
        return {
            "check": str(self.check),
            "assumption": self.assumption,
            "expected": self.expected,
            "result": str(self.result),
            "seen": self.seen,
        }


# ---------------------------------------------------------------------- judges (one per check)
def _validate(seen: ValidateSeen) -> Judgement:
    if seen.answer is True or seen.answer == "true":
        return HOLDS, "token issued; validate answered true"
    return DIFFERS, f"validate answered {type(seen.answer).__name__} {str(seen.answer)[:40]!r}"


def _attributes(seen: AttributesSeen) -> Judgement:
    if not seen.listed:
        return DIFFERS, "GET attributes did not answer with a list"
    if not seen.present_after:
        return DIFFERS, f"{seen.name!r} is missing after creating it"
    return HOLDS, f"{seen.name!r} {'existed' if seen.existed else 'created'}"


def _insert(expected: ReceiverStatus) -> Callable[[InsertSeen], Judgement]:
    def judge(seen: InsertSeen) -> Judgement:
        if seen.state is None:
            return DIFFERS, f"answer {seen.item_status!r}, but the receiver cannot be read back"
        if seen.state.status is expected:
            return HOLDS, seen.state.describe()
        return DIFFERS, f"created {seen.state.describe()}"

    return judge


def _upsert(seen: UpsertSeen) -> Judgement:
    problems = []
    if seen.item_status != "update success":
        problems.append(f"answer {seen.item_status!r}")
    if seen.value_read != seen.value_sent:
        problems.append("the new attribute value was not read back" if seen.value_read is None
                        else "an old or other attribute value was read back")
    if problems:
        return DIFFERS, "; ".join(problems)
    return HOLDS, "update success; new value read back"


def _refusal(seen: RefusalSeen) -> Judgement:
    if seen.batch_error is not None:
        return DIFFERS, f"the whole batch was refused: {seen.batch_error}"
    if seen.item_ok is None or len(seen.item_ok) != seen.sent:
        got = "no per-item answer" if seen.item_ok is None else f"{len(seen.item_ok)} per-item answers"
        return DIFFERS, f"{got} for {seen.sent} items"
    others = [ok for i, ok in enumerate(seen.item_ok) if i != seen.invalid_index]
    if seen.item_ok[seen.invalid_index]:
        return DIFFERS, "the invalid address was answered as a success"
    if not all(others) or not seen.valid_written:
        return DIFFERS, "the valid item of the batch was not written"
    return HOLDS, f"item {seen.invalid_index + 1} of {seen.sent} refused, the others written"


def _paging(seen: PagingSeen) -> Judgement:
    ids = [rid for page in seen.pages for rid in page]
    if len(seen.expected) <= seen.page_size:
        return UNCHECKED, f"only {len(seen.expected)} receivers for pages of {seen.page_size}"
    problems = []
    filled = [page for page in seen.pages if page]
    short = [i for i, page in enumerate(filled) if len(page) > seen.page_size or (len(page) < seen.page_size and i < len(filled) - 1)]
    if short:
        problems.append(f"page {short[0]} held {len(filled[short[0]])} of {seen.page_size}")
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} receivers on two pages")
    if set(ids) != seen.expected:
        problems.append(f"{len(seen.expected - set(ids))} receivers missing, {len(set(ids) - seen.expected)} unknown")
    descending = seen.order_by.lower().endswith("desc")
    if list(seen.keys) != sorted(seen.keys, reverse=descending):
        problems.append(f"not in the order of {seen.order_by!r}")
    if problems:
        return DIFFERS, "; ".join(problems)
    return HOLDS, f"{len(ids)} receivers in {len(filled)} pages of {seen.page_size}, ordered"


def _page_size(seen: PageSizeSeen) -> Judgement:
    if seen.total < 2:
        return UNCHECKED, f"only {seen.total} receivers in the scratch group"
    if seen.got == min(seen.asked, seen.total):
        return HOLDS, f"a page of {seen.asked} held all {seen.total} (a limit above {seen.total} would not show)"
    return DIFFERS, f"a page of {seen.asked} held {seen.got} of {seen.total}: pages are clamped to {seen.got}"


def _deactivate(seen: DeactivateSeen) -> Judgement:
    if seen.before is None or seen.before.status is not ReceiverStatus.ACTIVE:
        return UNCHECKED, "the receiver was not active before"
    answer_ok = seen.answer is True or seen.answer == "true"
    if answer_ok and seen.after is not None and seen.after.status is ReceiverStatus.DEACTIVATED:
        return HOLDS, "answered true; " + seen.after.describe()
    after = "not found" if seen.after is None else seen.after.describe()
    return DIFFERS, f"answered {str(seen.answer)[:40]!r}; receiver {after}"


def _activated_zero(seen: ActivatedZeroSeen) -> Judgement:
    if seen.before is None or seen.before.status is not ReceiverStatus.ACTIVE:
        return UNCHECKED, "the receiver was not active before"
    if seen.after is None:
        return DIFFERS, f"answer {seen.item_status!r}; the receiver is gone"
    status = seen.after.status
    if status is ReceiverStatus.DEACTIVATED:
        return HOLDS, seen.after.describe()
    if status is ReceiverStatus.ACTIVE:
        return DIFFERS, f"ignored: still {seen.after.describe()}"
    return DIFFERS, f"made {seen.after.describe()}"


def _delete_by_id(seen: DeleteSeen) -> Judgement:
    if seen.item_ok and not seen.still_there:
        return HOLDS, "success; receiver gone"
    return DIFFERS, f"answer {seen.answer!r}; receiver {'still there' if seen.still_there else 'gone'}"


def _delete_by_email(seen: DeleteSeen) -> Judgement:
    if seen.still_there and not seen.item_ok:
        return HOLDS, f"refused ({seen.answer}); receiver still there"
    if not seen.still_there:
        return DIFFERS, "accepted: the receiver was deleted by its e-mail"
    return DIFFERS, f"answered success ({seen.answer}) but the receiver is still there"


def _attribute_scope(seen: AttributeScopeSeen) -> Judgement:
    if not seen.value_in_first:
        return UNCHECKED, "the value written in the first scratch group cannot be read back there"
    if seen.value_in_second == seen.value_in_first:
        return HOLDS, "the value shows on the same address in the second scratch group"
    if not seen.value_in_second:
        return DIFFERS, "empty in the second scratch group: values are per group"
    return DIFFERS, "another value in the second scratch group"


def _deleted_group(seen: DeletedGroupSeen) -> Judgement:
    if seen.answer == "404":
        return HOLDS, "404"
    return DIFFERS, f"answered {seen.answer}"


def _window(seen: WindowSeen) -> Judgement:
    if seen.found_by == {"stamp"}:
        return HOLDS, "only the window around stamp returned the mailing"
    if not seen.found_by:
        return DIFFERS, "no window (stamp, started, finished) returned the mailing"
    return DIFFERS, f"filters on {' and '.join(sorted(seen.found_by))}"


def _limit(seen: LimitSeen) -> Judgement:
    if seen.returned == 0:
        return UNCHECKED, "no finished mailing in the account"
    if seen.older_missing:
        return DIFFERS, (f"limit={seen.limit} returned {seen.returned}; {seen.older_missing} older finished "
                         f"mailings were missing: clamped to {seen.returned}")
    return HOLDS, f"all {seen.returned} finished mailings in one answer"


def _report_page(seen: ReportPageSeen) -> Judgement:
    if seen.sent < 2:
        return UNCHECKED, "no finished mailing with more than one receiver"
    if seen.got < min(seen.asked, seen.sent):
        return DIFFERS, f"a page of {seen.asked} held {seen.got} of {seen.sent}: clamped to {seen.got}"
    if seen.sent < seen.asked:
        return HOLDS, f"a page of {seen.asked} held all {seen.sent} (a limit above {seen.sent} would not show)"
    return HOLDS, f"a page of {seen.asked} held {seen.got}"


def _clicks(seen: ClicksSeen) -> Judgement:
    if not seen.per_link:
        return UNCHECKED, "no finished mailing with clicks on a link"
    if seen.without_linkid == seen.per_link:
        return HOLDS, f"{len(seen.per_link)} clickers both ways ({seen.links} links)"
    if not seen.without_linkid:
        return DIFFERS, f"without linkid: no clickers; per link: {len(seen.per_link)}"
    return DIFFERS, f"without linkid: {len(seen.without_linkid)} clickers; per link: {len(seen.per_link)}"


def _idn(seen: IdnSeen) -> Judgement:
    """The integration is correct under every variant; the row names the one the account shows."""
    if seen.variant is IdnVariant.AS_WRITTEN:
        return HOLDS, f"variant {seen.variant}: {seen.detail}"
    return DIFFERS, f"variant {seen.variant}: {seen.detail}"


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(Check.TOKEN_VALIDATE, "client-credentials token; GET debug/validate accepts it", "true", _validate),
    Assumption(Check.GLOBAL_ATTRIBUTES, "global attributes are listed; the ext_id attribute exists or is created",
               "a list holding ext_id", _attributes),
    Assumption(Check.INSERT_WITHOUT_ACTIVATED, "a new receiver sent without activated", "active", _insert(ReceiverStatus.ACTIVE)),
    Assumption(Check.INSERT_ACTIVATED_TIMESTAMP, "a new receiver sent with activated=<timestamp>", "active",
               _insert(ReceiverStatus.ACTIVE)),
    Assumption(Check.INSERT_ACTIVATED_ZERO, "a new receiver sent with activated=0", "pending (activated=0, deactivated=0)",
               _insert(ReceiverStatus.PENDING)),
    Assumption(Check.UPSERT_EXISTING, "upsert of an existing receiver updates it", "update success; new value read back", _upsert),
    Assumption(Check.PER_ITEM_REFUSAL, "an invalid address in a batch is refused per item", "error for that item, the others written",
               _refusal),
    Assumption(Check.PAGING_ORDER_BY, "paging group receivers with order_by and a small pagesize",
               "full pages, no gaps or repeats, ordered", _paging),
    Assumption(Check.PAGE_SIZE_HONOURED, "group receivers: the pagesize asked for is honoured", "not clamped", _page_size),
    Assumption(Check.DEACTIVATE_PUT, "PUT groups/{id}/receivers/{id}/deactivate", "true; receiver deactivated", _deactivate),
    Assumption(Check.ACTIVATED_ZERO_EXISTING, "activated=0 through the batch endpoint on an existing receiver", "deactivates it",
               _activated_zero),
    Assumption(Check.DELETE_BY_ID, "bulk delete by receiver id", "success; receiver gone", _delete_by_id),
    Assumption(Check.DELETE_BY_EMAIL, "bulk delete takes ids only", "an e-mail is refused; receiver stays", _delete_by_email),
    Assumption(Check.GLOBAL_ATTRIBUTE_SCOPE, "global attribute values are account-wide",
               "a value written in one group shows on the address in another", _attribute_scope),
    Assumption(Check.DELETED_GROUP_RESPONSE, "GET groups/{id} of a deleted group", "404", _deleted_group),
    Assumption(Check.MAILINGS_WINDOW, "GET mailings start/end filter on", "stamp", _window),
    Assumption(Check.MAILINGS_LIMIT, "GET mailings honours a large limit", "not clamped", _limit),
    Assumption(Check.REPORT_PAGE_SIZE, "report receivers: pages of 100 are honoured", "not clamped", _report_page),
    Assumption(Check.CLICKS_WITHOUT_LINKID, "report clicks without linkid", "every clicker of every link", _clicks),
    Assumption(Check.IDN_SPELLING, "an address with an IDN domain (straße) is stored and found as written",
               "variant as_written: stored in Unicode, found only by that spelling", _idn),
)


def judge(assumption: Assumption, observation: Any) -> CheckRow:
    """The row for one assumption; a missing or failed probe is ``could not check`` with its reason."""
    if observation is None:
        verdict, seen = UNCHECKED, "not run"
    elif isinstance(observation, NotObserved):
        verdict, seen = UNCHECKED, observation.reason
    else:
        verdict, seen = assumption.judge(observation)
    return CheckRow(assumption.check, assumption.assumption, assumption.expected, verdict, seen)


def judge_all(observations: Observations) -> list[CheckRow]:
    """Every assumption's row, in the catalogue's order."""
    return [judge(assumption, observations.get(assumption.check)) for assumption in ASSUMPTIONS]
