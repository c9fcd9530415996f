"""Runs the live check against one CleverReach account and judges what it saw.

Order of a run: token and ``debug/validate``; global attributes (``ext_id`` created if missing); two
scratch groups ``cleverreach-api-check-<UTC time>`` (and ``...-2``); one ``/receivers/insert`` batch
with every receiver the probes need (without ``activated``, with a timestamp, with ``0``, plus fillers for
paging); a batch with an invalid address; an upsert of an existing receiver; the same address in the
second group (are global attribute values account-wide?); paging; ``PUT .../deactivate``;
``activated: 0`` on an existing receiver; bulk delete by id and by e-mail; one made-up receiver with an IDN
domain, read back by both spellings and deleted (``api_check.idn``); then the scratch groups
are deleted (unless ``keep_group``) and one is read again. Last come the read-only mailing probes.

A probe that fails records why and the others go on; the scratch groups are deleted in any case.
Only the login is fatal: without a token nothing can be checked. Addresses are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cleverreach.api_check.assumptions import Check, CheckRow, judge_all
from cleverreach.api_check.idn import IdnProbe
from cleverreach.api_check.mailings import MailingProbes
from cleverreach.api_check.observations import (
    receiver_int,
    ActivatedZeroSeen,
    AttributeScopeSeen,
    AttributesSeen,
    DeactivateSeen,
    DeletedGroupSeen,
    DeleteSeen,
    InsertSeen,
    Observations,
    PageSizeSeen,
    PagingSeen,
    ReceiverState,
    RefusalSeen,
    UpsertSeen,
    ValidateSeen,
)
from cleverreach.api_check.request import CheckRequest, derived_address, run_tag, scratch_group_name
from cleverreach.api_check.scratch import PROBE_ERRORS, ProbeError, ScratchAccount, run_probe, why
from cleverreach.exceptions import (
    CleverReachAuthError,
    CleverReachConfigError,
    CleverReachConflictError,
    CleverReachError,
    CleverReachNotFoundError,
    CleverReachResponseError,
    CleverReachValidationError,
    redact_emails,
)
from cleverreach.hooks.cleverreach import RECEIVER_ORDER, CleverReachHook
from cleverreach.hooks.responses import ItemResult, parse_aligned_results
from cleverreach.hooks.transport import segment

log = logging.getLogger(__name__)

PAGING_RECEIVERS = 32  # receivers in the first scratch group: more than a clamp of 25 would hold
SMALL_PAGE = 5
INVALID_ADDRESS = "not-an-address"
MARKER = "cleverreach-api-check"

SCRATCH_CHECKS = (
    Check.INSERT_WITHOUT_ACTIVATED, Check.INSERT_ACTIVATED_TIMESTAMP, Check.INSERT_ACTIVATED_ZERO,
    Check.UPSERT_EXISTING, Check.PER_ITEM_REFUSAL, Check.PAGING_ORDER_BY, Check.PAGE_SIZE_HONOURED,
    Check.DEACTIVATE_PUT, Check.ACTIVATED_ZERO_EXISTING, Check.DELETE_BY_ID, Check.DELETE_BY_EMAIL,
    Check.GLOBAL_ATTRIBUTE_SCOPE, Check.DELETED_GROUP_RESPONSE, Check.IDN_SPELLING,
)


class CheckLoginError(RuntimeError):
    """No token for the connection: nothing can be checked."""


def item_text(item: ItemResult | None) -> str:
    """CleverReach's per-item answer for the table: the status, or the error with addresses redacted."""
    if item is None:
        return "no per-item answer"
    return item.status if item.ok else redact_emails(item.error or item.status or "refused")[:120]


def first_item(items: list[ItemResult]) -> ItemResult:
    if not items:
        raise ProbeError("the batch call answered no per-item result")
    return items[0]


@dataclass
class Planned:
    """One receiver the probes need: its address (never logged), what is sent, and what came back."""

    email: str
    payload: dict[str, Any]
    receiver_id: str | None = None
    status: str = "not sent"


class ApiCheckService:
    """
    The live check of one account.

    :param hook: the tenant's CleverReach hook.
    :param request: the validated inputs of the run.
    :param now: the run's time (names the scratch groups and tags the derived addresses).
    """

    def __init__(self, hook: CleverReachHook, request: CheckRequest, *, now: datetime | None = None) -> None:
        self.hook = hook
        self.request = request
        self.now = now or datetime.now(UTC)
        self.tag = run_tag(self.now)
        self.stamp = int(self.now.timestamp())
        self.account = ScratchAccount(hook)
        self.observations = Observations()
        self.ext_id = hook.settings.ext_id_attribute

    # ------------------------------------------------------------------ the run
    def run(self) -> list[CheckRow]:
        self._login()
        self._probe(Check.GLOBAL_ATTRIBUTES, self._global_attributes)
        try:
            self._scratch_probes()
        finally:
            self._clean_up()
        MailingProbes(self.hook).run(self.observations)
        return judge_all(self.observations)

    def _probe(self, check: Check, probe: Callable[[], Any]) -> Any:
        return run_probe(self.observations, check, probe)

    def _login(self) -> None:
        try:
            self.hook.get_token()
        except (CleverReachAuthError, CleverReachConfigError) as exc:
            raise CheckLoginError(str(exc)) from None

        def validate() -> ValidateSeen:
            try:
                return ValidateSeen(self.hook.request("GET", "debug/validate"))
            except CleverReachError as exc:
                return ValidateSeen(f"error {why(exc)}")

        self._probe(Check.TOKEN_VALIDATE, validate)

    def _global_attributes(self) -> AttributesSeen:
        def names() -> tuple[bool, set[str]]:
            body = self.hook.request("GET", "attributes", params={"group_id": 0})
            if not isinstance(body, list):
                return False, set()
            return True, {str(a.get("name", "")).lower() for a in body if isinstance(a, dict)}

        listed, before = names()
        if self.ext_id in before:
            return AttributesSeen(self.ext_id, listed, True, True)
        try:
            self.account.write("POST", "attributes", json={
                "name": self.ext_id, "type": "text", "description": "hyperspace CRM contact person id",
                "preview_value": "", "default_value": "",
            })
            log.info("Created the global attribute %r", self.ext_id)
        except CleverReachConflictError:
            pass
        listed_after, after = names()
        return AttributesSeen(self.ext_id, listed and listed_after, False, self.ext_id in after)

    # ------------------------------------------------------------------ scratch groups
    def _scratch_probes(self) -> None:
        try:
            self.first = self.account.create_group(scratch_group_name(self.now))
            self.second = self.account.create_group(scratch_group_name(self.now, "-2"))
        except PROBE_ERRORS as exc:
            for check in SCRATCH_CHECKS:
                self.observations.missing(check, f"scratch group not created: {why(exc)}")
            return
        log.info("Created the scratch groups %s and %s", self.first, self.second)
        self.planned = self._plan()
        try:
            answer = self.account.insert(self.first, [p.payload for p in self.planned.values()])
        except PROBE_ERRORS as exc:
            for check in SCRATCH_CHECKS:
                self.observations.missing(check, f"the insert batch failed: {why(exc)}")
            return
        for planned, item in zip(self.planned.values(), answer):
            planned.status, planned.receiver_id = item_text(item), item.receiver_id if item.ok else None
        written = sum(1 for p in self.planned.values() if p.receiver_id)
        log.info("Inserted %d of %d receivers into scratch group %s", written, len(self.planned), self.first)

        self._probe(Check.PER_ITEM_REFUSAL, self._refusal)
        for check, label in ((Check.INSERT_WITHOUT_ACTIVATED, "no_activated"),
                             (Check.INSERT_ACTIVATED_TIMESTAMP, "timestamp"),
                             (Check.INSERT_ACTIVATED_ZERO, "zero")):
            self._probe(check, lambda label=label: InsertSeen(self.planned[label].status, self._state(label)))
        self._probe(Check.UPSERT_EXISTING, self._upsert_existing)
        self._probe(Check.GLOBAL_ATTRIBUTE_SCOPE, self._attribute_scope)
        self._probe(Check.PAGING_ORDER_BY, self._paging)
        self._probe(Check.PAGE_SIZE_HONOURED, self._page_size)
        self._probe(Check.DEACTIVATE_PUT, self._deactivate)
        self._probe(Check.ACTIVATED_ZERO_EXISTING, self._activated_zero_existing)
        self._probe(Check.DELETE_BY_ID, lambda: self._delete("delete_id", by_email=False))
        self._probe(Check.DELETE_BY_EMAIL, lambda: self._delete("delete_email", by_email=True))
        self._probe(Check.IDN_SPELLING, IdnProbe(self.account, self.first, self.tag, self.stamp).run)

    def _plan(self) -> dict[str, Planned]:
        """Every receiver of the insert batch, by label; all but the user's addresses are derived."""
        emails = self.request.test_emails
        base = emails[0]

        def derived(label: str) -> str:
            return derived_address(base, self.tag, label)

        active = {"activated": self.stamp}
        plan = {
            "no_activated": Planned(emails[0], {"email": emails[0]}),
            "timestamp": Planned(emails[1] if len(emails) > 1 else derived("ts"), dict(active)),
            "zero": Planned(derived("pending"), {"activated": 0}),
            "deactivate": Planned(derived("deact"), dict(active)),
            "zero_existing": Planned(derived("zero"), dict(active)),
            "delete_id": Planned(derived("delid"), dict(active)),
            "delete_email": Planned(derived("delmail"), dict(active)),
        }
        attribute_address = derived("attr")
        try:
            known: bool | None = self.account.address_known(attribute_address)
        except PROBE_ERRORS as exc:
            known = None
            log.warning("Could not look up the derived address for the attribute probes (%s); skipping them", why(exc))
        if known:
            log.warning("The derived address for the attribute probes already exists in the account; skipping them")
        elif known is False:
            plan["attribute"] = Planned(attribute_address, {**active, "global_attributes": {self.ext_id: f"{MARKER}-1"}})
        for n, email in enumerate(emails[2:], start=2):
            plan[f"test_{n}"] = Planned(email, dict(active))
        for n in range(PAGING_RECEIVERS - 1 - len(plan)):  # the refusal batch adds one more
            plan[f"fill_{n}"] = Planned(derived(f"p{n:02d}"), dict(active))
        for planned in plan.values():
            planned.payload = {"email": planned.email, **planned.payload}
        return plan

    def _state(self, label: str, group_id: str | None = None, receiver_id: str | None = None) -> ReceiverState | None:
        receiver_id = receiver_id or self.planned[label].receiver_id
        if receiver_id is None:
            return None
        receiver = self.account.receiver(group_id or self.first, receiver_id)
        return None if receiver is None else ReceiverState.from_api(receiver)

    def _needs(self, label: str) -> Planned:
        planned = self.planned.get(label)
        if planned is None:
            raise ProbeError(f"no receiver for this probe ({label})")
        if planned.receiver_id is None:
            raise ProbeError(f"its receiver was not inserted (answer {planned.status!r})")
        return planned

    def _refusal(self) -> RefusalSeen:
        valid = derived_address(self.request.test_emails[0], self.tag, "valid")
        batch = [{"email": valid, "activated": self.stamp}, {"email": INVALID_ADDRESS}]
        try:
            answer = self.account.insert(self.first, batch)
        except CleverReachError as exc:
            return RefusalSeen(len(batch), 1, None, why(exc), False)
        written = False
        if answer and answer[0].ok and answer[0].receiver_id:
            self.planned["refusal_valid"] = Planned(valid, batch[0], answer[0].receiver_id, answer[0].status)
            written = self._state("refusal_valid") is not None
        return RefusalSeen(len(batch), 1, tuple(item.ok for item in answer), None, written)

    def _attribute_value(self, group_id: str, receiver_id: str) -> str | None:
        receiver = self.account.receiver(group_id, receiver_id)
        if receiver is None:
            return None
        values = receiver.get("global_attributes") or {}
        value = values.get(self.ext_id) if isinstance(values, dict) else None
        return str(value) if value not in (None, "") else None

    def _upsert_existing(self) -> UpsertSeen:
        planned = self._needs("attribute")
        value = f"{MARKER}-2"
        answer = self.account.upsert(self.first, [{"email": planned.email, "global_attributes": {self.ext_id: value}}])
        return UpsertSeen(item_text(first_item(answer)), value, self._attribute_value(self.first, planned.receiver_id or ""))

    def _attribute_scope(self) -> AttributeScopeSeen:
        planned = self._needs("attribute")
        item = first_item(self.account.insert(self.second, [{"email": planned.email, "activated": self.stamp}]))
        second_id = item.receiver_id
        if not item.ok or second_id is None:
            raise ProbeError(f"the address was not added to the second scratch group (answer {item_text(item)!r})")
        return AttributeScopeSeen(
            self._attribute_value(self.first, planned.receiver_id or ""), self._attribute_value(self.second, second_id)
        )

    def _group_ids(self) -> frozenset[str]:
        return frozenset(p.receiver_id for p in self.planned.values() if p.receiver_id)

    def _paging(self) -> PagingSeen:
        expected = self._group_ids()
        order_field = RECEIVER_ORDER.split()[0]
        pages: list[tuple[str, ...]] = []
        keys: list[int] = []
        for page in range(len(expected) // SMALL_PAGE + 3):
            body = self.account.receivers_page(self.first, page=page, page_size=SMALL_PAGE, order_by=RECEIVER_ORDER)
            receivers = [r for r in body if isinstance(r, dict)]
            pages.append(tuple(str(r.get("id")) for r in receivers))
            keys.extend(receiver_int(r, order_field) for r in receivers)
            if not body:
                break
        return PagingSeen(SMALL_PAGE, RECEIVER_ORDER, tuple(pages), expected, tuple(keys))

    def _page_size(self) -> PageSizeSeen:
        asked = self.hook.settings.page_size
        body = self.account.receivers_page(self.first, page=0, page_size=asked)
        return PageSizeSeen(asked, len(self._group_ids()), len(body))

    def _deactivate(self) -> DeactivateSeen:
        planned = self._needs("deactivate")
        before = self._state("deactivate")
        try:
            self.account.deactivate(self.first, planned.receiver_id or "")
            answer: Any = True
        except CleverReachResponseError as exc:
            answer = why(exc)
        return DeactivateSeen(answer, before, self._state("deactivate"))

    def _activated_zero_existing(self) -> ActivatedZeroSeen:
        planned = self._needs("zero_existing")
        before = self._state("zero_existing")
        answer = self.account.upsert(self.first, [{"email": planned.email, "activated": 0}])
        return ActivatedZeroSeen(item_text(first_item(answer)), before, self._state("zero_existing"))

    def _delete(self, label: str, *, by_email: bool) -> DeleteSeen:
        planned = self._needs(label)
        try:
            if by_email:  # not a form the integration uses: is it accepted anyway?
                body = self.account.write("POST", f"groups/{self.first}/receivers/delete", json=[planned.email])
                item = first_item(parse_aligned_results([planned.email], body, label="bulk delete"))
            else:
                item = first_item(self.account.delete_by_ids(self.first, [planned.receiver_id or ""]))
            item_ok, text = item.ok, item_text(item)
        except (CleverReachNotFoundError, CleverReachValidationError) as exc:
            item_ok, text = None, f"HTTP {exc.status}"
        return DeleteSeen(item_ok, text, self._state(label) is not None)

    # ------------------------------------------------------------------ clean-up
    def _clean_up(self) -> None:
        created = list(self.account.group_ids)
        if not created:
            return
        if self.request.keep_group:
            log.info("keep_group is set: the scratch groups %s stay in the account", ", ".join(created))
            self.observations.missing(Check.DELETED_GROUP_RESPONSE, "keep_group is set: no group was deleted")
            return
        failed = []
        for group_id in created:
            try:
                self.account.delete_group(group_id)
            except PROBE_ERRORS as exc:
                failed.append(group_id)
                log.warning("Could not delete scratch group %s (%s); delete it by hand", group_id, why(exc))
        if failed:
            self.observations.missing(Check.DELETED_GROUP_RESPONSE, f"deleting scratch group {failed[0]} failed")
            return
        log.info("Deleted the scratch groups %s", ", ".join(created))
        self._probe(Check.DELETED_GROUP_RESPONSE, lambda: self._deleted_group(created[0]))

    def _deleted_group(self, group_id: str) -> DeletedGroupSeen:
        try:
            body = self.hook.request("GET", f"groups/{segment(group_id)}")
        except CleverReachNotFoundError:
            return DeletedGroupSeen("404")
        except CleverReachError as exc:
            return DeletedGroupSeen(f"HTTP {exc.status}")
        if body == []:
            return DeletedGroupSeen("200 []")
        return DeletedGroupSeen(f"200 {type(body).__name__}")
