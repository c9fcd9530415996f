"""Load one tenant's mail history: mailings since the watermark (minus a re-read window), their
report receivers per state, into ``contact_history``; then move the watermark.

Rows are committed per mailing; the watermarks (one per list, so that a list imported later starts
from the beginning) move only after every mailing of the window is committed, so a run that fails
halfway is simply repeated (the unique key absorbs the overlap).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.history.events import STATES, ContactIndex, Mailing, history_rows
from cleverreach.history.store import HistoryStore, params_for_consent

log = logging.getLogger(__name__)

DAY = 86400


@dataclass
class HistoryTally:
    mailings_seen: int = 0
    mailings_loaded: int = 0
    receivers_read: int = 0
    rows_inserted: int = 0
    rows_existing: int = 0
    unmatched: int = 0
    consent_updates: int = 0


def window_start(watermark: int | None, since: date | None, reread_days: int) -> int:
    """Unix start of the mailings to read: ``since`` for a backfill, else the watermark minus the
    re-read window (late opens and clicks), else everything."""
    if since is not None:
        return int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp())
    if watermark is None:
        return 0
    return max(0, watermark - reread_days * DAY)


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
        lists = {str(row["external_id"]): int(row["list_id"]) for row in known}
        marks = [row["finished_until"] for row in known]
        # The window serves the list that is furthest behind; a list never loaded reads everything.
        watermark = None if any(m is None for m in marks) else min(int(m) for m in marks)
        start = window_start(watermark, since, settings.history_reread_days)
        contacts = self.store.contacts(self.tenant_id)
        tally = HistoryTally()

        mailings = [m for m in self._finished_mailings(start, now) if int(m.get("finished") or 0)]
        mailings.sort(key=lambda m: (int(m.get("finished") or 0), str(m.get("id"))))
        tally.mailings_seen = len(mailings)
        self.log.info("Tenant %s: %d finished mailings since %s (watermark %s)", self.tenant_id, len(mailings),
                      datetime.fromtimestamp(start, UTC).isoformat(), watermark)
        newest = watermark or 0
        for summary in mailings:
            detail = summary if "mailing_groups" in summary else self.cr.get_mailing(str(summary["id"]))
            mailing = Mailing.from_api(detail)
            newest = max(newest, mailing.finished)
            targets = [lists[g] for g in mailing.group_ids if g in lists]
            if not targets:  # sent to groups this tenant has not imported (or another account's)
                continue
            mailing = Mailing.from_api(detail, self._links(mailing.id))
            self._load_mailing(mailing, targets, contacts, tally)
        if newest:
            self.store.advance_watermarks(lists.values(), newest)
        after = [row["finished_until"] for row in self.store.lists(self.tenant_id)]
        result = {"tenant_id": self.tenant_id, "window_start": start,
                  "watermark": min(after) if after and None not in after else None, **tally.__dict__}
        self.log.info("Tenant %s: %s", self.tenant_id, result)
        return result

    def _finished_mailings(self, start: int, end: int, limit: int = 1000) -> list[dict[str, Any]]:
        """Finished mailings in [start, end]; the list endpoint has a limit and no pages, so a full
        answer is split in two halves until every half fits."""
        found = self.cr.list_mailings(state="finished", start=start, end=end, limit=limit)
        if len(found) < limit or end - start < 2:
            return found
        middle = (start + end) // 2
        merged = {str(m["id"]): m for m in self._finished_mailings(start, middle, limit)}
        merged.update({str(m["id"]): m for m in self._finished_mailings(middle + 1, end, limit)})
        return list(merged.values())

    def _links(self, mailing_id: str) -> dict[str, str]:
        try:
            body = self.cr.request("GET", f"reports/{mailing_id}/stats/links")
        except Exception as exc:  # links only enrich the click detail; the row is still right without
            self.log.warning("Mailing %s: no link list (%s)", mailing_id, type(exc).__name__)
            return {}
        links = body.get("links", []) if isinstance(body, dict) else []
        return {str(link.get("id")): str(link.get("link") or link.get("url") or "") for link in links if isinstance(link, dict)}

    def _load_mailing(self, mailing: Mailing, list_ids: list[int], contacts: ContactIndex, tally: HistoryTally) -> None:
        ext_id = self.cr.settings.ext_id_attribute
        rows, consent, read, unmatched = [], [], 0, 0
        for state in STATES:
            for page in self.cr.iter_report_receivers(mailing.id, state):
                batch = history_rows(self.tenant_id, mailing, state, page, contacts, ext_id)
                rows.extend(batch.rows)
                consent.extend(batch.consent)
                read += len(page)
                unmatched += batch.unmatched
        inserted = self.store.save(rows, params_for_consent(consent, list_ids))
        tally.mailings_loaded += 1
        tally.receivers_read += read
        tally.rows_inserted += inserted
        tally.rows_existing += len(rows) - inserted
        tally.unmatched += unmatched
        tally.consent_updates += len(consent)
        self.log.info("Mailing %s (%s): %d report entries, %d rows new, %d already loaded, %d matched no contact",
                      mailing.id, mailing.name, read, inserted, len(rows) - inserted, unmatched)
