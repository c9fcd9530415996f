"""Load one tenant's mail history: the mailings finished since the watermark (minus a re-read window),
their report receivers per state, into ``contact_history``; then move the watermarks.

Which mailings and which of their states are read is decided in :mod:`cleverreach.history.plan`: the
discovery trusts nothing ``GET /mailings`` leaves unknown, a mailing is read in full once and then
re-read only for the states that can still change, from its last read on (the reports' event window).
Clicks are read per link (``stats/links``, then the clickers of each link), never with the call
without ``linkid``. Rows, member states and the mailing's record are committed per mailing.

A mailing whose read fails (a CleverReach error other than a refused login) is recorded with the
error's class, reported in the result and the log, and skipped; the tenant's other mailings still
load. The watermarks (one per list, so that a list imported later starts from the beginning) stop
before the oldest mailing whose last read failed, so the next run reads it again.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from cleverreach.clock import from_unix
from cleverreach.crm.keys import as_key
from cleverreach.exceptions import CleverReachAuthError, CleverReachConfigError, CleverReachError
from cleverreach.history.events import Consent, ContactIndex, HistoryRow, Mailing, history_rows, keep_earliest
from cleverreach.history.plan import DAY, MailingRecord, ReadPlan, finished_mailings, plan_read
from cleverreach.history.store import HistoryStore, params_for_consent
from cleverreach.hooks.cleverreach import CleverReachHook

log = logging.getLogger(__name__)

TENANT_ERRORS = (CleverReachAuthError, CleverReachConfigError)  # not one mailing's problem: the tenant fails


@dataclass
class HistoryTally:
    mailings_seen: int = 0
    mailings_loaded: int = 0  # read in full
    mailings_reread: int = 0  # re-read for the states that can still change, from the last read on
    mailings_unchanged: int = 0  # loaded, and their re-read window is over
    mailings_failed: int = 0
    receivers_read: int = 0
    rows_inserted: int = 0
    rows_existing: int = 0
    unmatched: int = 0
    consent_updates: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)  # mailing_id, error, failures


def window_start(watermark: int | None, since: date | None, reread_days: int) -> int:
    """Unix start of the finish times to read: ``since`` for a backfill, else the watermark minus the
    re-read window (late opens and clicks), else everything."""
    if since is not None:
        return int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp())
    if watermark is None:
        return 0
    return max(0, watermark - reread_days * DAY)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a mailing's report is read and written (and the contacts
    loaded): a page is 5,000 receivers, trees of dicts that reference counting frees, and the collector's
    passes over them (and over the whole task's heap) cost a fifth of the load's CPU. Cycles made
    meanwhile are collected once it is on again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class MailingRead:
    """What one read of one mailing produced, before it is saved."""

    rows: list[HistoryRow] = field(default_factory=list)
    consent: list[Consent] = field(default_factory=list)
    receivers: int = 0
    unmatched: int = 0


class MailHistoryLoad:
    def __init__(self, cleverreach: CleverReachHook, store: HistoryStore, *, tenant_id: str,
                 logger: logging.Logger | None = None) -> None:
        self.cr = cleverreach
        self.store = store
        self.tenant_id = tenant_id
        self.log = logger or log

    def run(self, *, since: date | None = None, now: int | None = None) -> dict[str, Any]:
        settings = self.cr.settings
        now = now or int(time.time())
        known = self.store.lists(self.tenant_id)
        if not known:
            self.log.info("Tenant %s has no imported lists: no mail history to load", self.tenant_id)
            return {"tenant_id": self.tenant_id, "window_start": None, "watermark": None, **HistoryTally().__dict__}
        lists = {str(row["external_id"]): as_key(row["list_id"]) for row in known}  # list keys are text
        marks = {as_key(row["list_id"]): row["finished_until"] for row in known}
        # The window serves the list that is furthest behind; a list never loaded reads everything.
        watermark = None if None in marks.values() else min(int(m) for m in marks.values())
        start = window_start(watermark, since, settings.history_reread_days)
        with collector_paused():
            contacts = self.store.contacts(self.tenant_id)
        records = self.store.mailing_records(self.tenant_id)
        tally = HistoryTally()

        mailings = finished_mailings(
            lambda low, high: self.cr.list_mailings(state="finished", start=low, end=high),
            start, now, settings.history_lookback_days,
        )
        tally.mailings_seen = len(mailings)
        self.log.info("Tenant %s: %d finished mailings since %s (watermark %s)", self.tenant_id, len(mailings),
                      from_unix(start).isoformat(), watermark)
        newest = watermark or 0
        for summary in mailings:
            mailing_id = str(summary["id"])
            try:
                detail = summary if "mailing_groups" in summary else self.cr.get_mailing(mailing_id)
                mailing = Mailing.from_api(detail)
                newest = max(newest, mailing.finished)
                targets = {g: lists[g] for g in mailing.group_ids if g in lists}
                if not targets:  # sent to groups this tenant has not imported (or another account's)
                    continue
                plan = plan_read(records.get(mailing.id), mailing.finished, reread_days=settings.history_reread_days,
                                 new_list=any(marks[list_id] is None for list_id in targets.values()))
                if plan is None:
                    tally.mailings_unchanged += 1
                    continue
                with collector_paused():
                    self._load_mailing(mailing, plan, targets, lists, contacts, tally, read_at=now)
            except TENANT_ERRORS:
                raise
            except CleverReachError as exc:
                self._failed(Mailing.from_api(summary), records.get(mailing_id), exc, tally)
        self._forget_vanished(records, {str(m["id"]) for m in mailings}, start, now)
        self._advance(lists.values(), newest)
        after = [row["finished_until"] for row in self.store.lists(self.tenant_id)]
        result = {"tenant_id": self.tenant_id, "window_start": start,
                  "watermark": min(after) if after and None not in after else None, **tally.__dict__}
        self.log.info("Tenant %s: %s", self.tenant_id, {k: v for k, v in result.items() if k != "failed"})
        return result

    def _forget_vanished(self, records: Mapping[str, MailingRecord], listed: set[str], start: int, end: int) -> None:
        """A failed mailing inside the window that the server no longer lists was deleted: forget its failure."""
        for record in records.values():
            if record.failures and start <= record.finished <= end and record.mailing_id not in listed:
                self.log.warning("Mailing %s failed before and is no longer listed by CleverReach: forgotten",
                                 record.mailing_id)
                self.store.forget_failure(self.tenant_id, record)

    def _advance(self, list_ids: Any, newest: int) -> None:
        """Move the watermarks to the newest finish seen, but not past a mailing whose read failed."""
        failed = self.store.failed_mailings(self.tenant_id)
        if failed:
            newest = min(newest, failed[0].finished - 1)
        if newest > 0:
            self.store.advance_watermarks(list_ids, newest)

    def _failed(
        self, mailing: Mailing, record: MailingRecord | None, exc: CleverReachError, tally: HistoryTally
    ) -> None:
        error = type(exc).__name__
        self.store.record_failure(self.tenant_id, mailing, error)
        failures = (record.failures if record else 0) + 1
        tally.mailings_failed += 1
        tally.failed.append({"mailing_id": mailing.id, "error": error, "failures": failures})
        # The class and status only: CleverReach's message could quote personal data.
        self.log.error("Mailing %s: report read failed (%s, HTTP %s, failure %d in a row); skipped, retried on the "
                       "next run; the watermarks wait before it", mailing.id, error, exc.status, failures)

    def _read(self, mailing: Mailing, plan: ReadPlan, contacts: ContactIndex) -> MailingRead:
        """The report states of ``plan``; the clickers link by link (``stats/links``). One row per external key
        (:func:`~cleverreach.history.events.unique_rows`), kept page by page: the keys of two reads never meet."""
        ext_id = self.cr.settings.ext_id_attribute
        out = MailingRead()
        for state in plan.states:
            if state == "clicked":
                mailing = replace(mailing, links=self.cr.report_links(mailing.id))
                reads: list[str | None] = sorted(mailing.links)
            else:
                reads = [None]
            for link_id in reads:
                best: dict[str, HistoryRow] = {}
                for page in self.cr.iter_report_receivers(mailing.id, state, link_id=link_id, since=plan.since):
                    batch = history_rows(self.tenant_id, mailing, state, page, contacts, ext_id, link_id=link_id)
                    keep_earliest(best, batch.rows)
                    out.consent.extend(batch.consent)
                    out.receivers += len(page)
                    out.unmatched += batch.unmatched
                out.rows.extend(best.values())
        out.rows.sort(key=itemgetter(7))  # by external key, so writes are deterministic
        return out

    def _load_mailing(self, mailing: Mailing, plan: ReadPlan, targets: Mapping[str, str], lists: Mapping[str, str],
                      contacts: ContactIndex, tally: HistoryTally, *, read_at: int) -> None:
        read = self._read(mailing, plan, contacts)
        consent = params_for_consent(read.consent, sorted(targets.values()), lists)
        inserted = self.store.save(read.rows, consent, read=(self.tenant_id, mailing, read_at, read.unmatched))
        if plan.complete:
            tally.mailings_loaded += 1
        else:
            tally.mailings_reread += 1
        tally.receivers_read += read.receivers
        tally.rows_inserted += inserted
        tally.rows_existing += len(read.rows) - inserted
        tally.unmatched += read.unmatched
        tally.consent_updates += len(consent)
        how = "read in full" if plan.complete else f"re-read from {plan.since}"
        self.log.info("Mailing %s: %s (%s), %d report entries, %d rows new, %d already loaded, %d matched no contact",
                      mailing.id, how, ", ".join(plan.states), read.receivers, inserted, len(read.rows) - inserted,
                      read.unmatched)
