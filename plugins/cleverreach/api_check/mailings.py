"""The read-only probes: mailing windows and limit, report page size, clicks with and without ``linkid``.

They only read (``GET mailings``, ``GET reports/...``) and pick what they look at among the account's
existing finished mailings, newest first. Report pages are read until an empty page, never stopping
on a short one, so a silent clamp cannot hide rows from the comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cleverreach.api_check.assumptions import Check
from cleverreach.api_check.observations import ClicksSeen, LimitSeen, NotObserved, Observations, ReportPageSeen, WindowSeen
from cleverreach.api_check.scratch import PROBE_ERRORS, ProbeError, run_probe, why
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.hooks.transport import segment

LIMIT = 1000  # what the mail history asks for
REPORT_PAGE = 100  # what the mail history asks for
CANDIDATES = 10  # newest finished mailings looked at for reports and clicks
MAX_REPORT_PAGES = 100
WINDOW_FIELDS = ("stamp", "started", "finished")
MAILING_CHECKS = (Check.MAILINGS_LIMIT, Check.MAILINGS_WINDOW, Check.REPORT_PAGE_SIZE, Check.CLICKS_WITHOUT_LINKID)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _ids(mailings: Iterable[dict[str, Any]]) -> set[str]:
    return {str(m.get("id")) for m in mailings}


def _earliest(mailing: dict[str, Any]) -> int:
    times = [_int(mailing.get(name)) for name in WINDOW_FIELDS]
    return min((t for t in times if t > 0), default=0)


class MailingProbes:
    """The read-only probes of one account's mailings and reports."""

    def __init__(self, hook: CleverReachHook) -> None:
        self.hook = hook

    def run(self, observations: Observations) -> None:
        try:
            finished = self._finished()
        except PROBE_ERRORS as exc:
            for check in MAILING_CHECKS:
                observations.missing(check, f"GET mailings failed: {why(exc)}")
            return
        run_probe(observations, Check.MAILINGS_LIMIT, lambda: self._limit(finished))
        if not finished:
            for check in MAILING_CHECKS:
                observations.missing(check, "no finished mailing in the account")
            return
        recent = sorted(finished, key=lambda m: _int(m.get("finished")), reverse=True)[:CANDIDATES]
        run_probe(observations, Check.MAILINGS_WINDOW, lambda: self._window(finished))
        run_probe(observations, Check.REPORT_PAGE_SIZE, lambda: self._report_page(recent))
        run_probe(observations, Check.CLICKS_WITHOUT_LINKID, lambda: self._clicks(recent))

    # ------------------------------------------------------------------ mailings
    def _finished(self, start: int | None = None, end: int | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"state": "finished", "limit": LIMIT}
        if start is not None and end is not None:
            params.update(start=start, end=end)
        body = self.hook.request("GET", "mailings", params=params)
        if isinstance(body, dict):
            body = body.get("finished") or []
        if not isinstance(body, list):
            raise ProbeError(f"GET mailings answered {type(body).__name__}")
        return [m for m in body if isinstance(m, dict)]

    def _limit(self, finished: list[dict[str, Any]]) -> LimitSeen:
        """Did ``limit=1000`` return everything? Anything older than the oldest returned proves it did not."""
        if not finished:
            return LimitSeen(LIMIT, 0, 0)
        oldest = min(_earliest(m) for m in finished)
        older = self._finished(1, oldest - 1) if oldest > 2 else []
        return LimitSeen(LIMIT, len(finished), len(_ids(older) - _ids(finished)))

    def _window(self, finished: list[dict[str, Any]]) -> WindowSeen | NotObserved:
        """Which of stamp, started, finished do ``start``/``end`` filter on? Windows around each, apart."""
        for mailing in sorted(finished, key=lambda m: _int(m.get("finished")), reverse=True):
            times = {name: _int(mailing.get(name)) for name in WINDOW_FIELDS}
            values = sorted(times.values())
            if values[0] > 0 and len(set(values)) == len(values):
                break
        else:
            return NotObserved("no finished mailing whose stamp, started and finished differ")
        half = (min(b - a for a, b in zip(values, values[1:])) - 1) // 2
        target = str(mailing.get("id"))
        found = frozenset(
            name for name, value in times.items() if target in _ids(self._finished(value - half, value + half))
        )
        return WindowSeen(times, found)

    # ------------------------------------------------------------------ reports
    def _report_rows(self, mailing_id: str, state: str, link_id: str | None = None) -> set[str]:
        """Receiver ids of a report state, page by page until an empty page."""
        seen: set[str] = set()
        params: dict[str, Any] = {"pagesize": REPORT_PAGE, "detail": 0}
        if link_id is not None:
            params["linkid"] = link_id
        for page in range(MAX_REPORT_PAGES):
            body = self.hook.request("GET", f"reports/{segment(mailing_id)}/receivers/{state}", params={**params, "page": page})
            if not body:
                return seen
            if not isinstance(body, list):
                raise ProbeError(f"report receivers answered {type(body).__name__}")
            seen.update(str(r.get("id") or str(r.get("email", "")).lower()) for r in body if isinstance(r, dict))
        raise ProbeError(f"more than {MAX_REPORT_PAGES} report pages")

    def _sent(self, mailing_id: str) -> int:
        stats = self.hook.request("GET", f"reports/{segment(mailing_id)}/stats")
        if not isinstance(stats, dict):
            return 0
        basic = stats.get("basic") if isinstance(stats.get("basic"), dict) else {}
        return _int(stats.get("sent", basic.get("sent")))

    def _report_page(self, recent: list[dict[str, Any]]) -> ReportPageSeen:
        best_id, best_sent = "", 0
        for mailing in recent:
            sent = self._sent(str(mailing.get("id")))
            if sent > best_sent:
                best_id, best_sent = str(mailing.get("id")), sent
            if sent > REPORT_PAGE:
                break
        if best_sent < 2:
            return ReportPageSeen(best_sent, REPORT_PAGE, 0)
        body = self.hook.request(
            "GET", f"reports/{best_id}/receivers/sent", params={"page": 0, "pagesize": REPORT_PAGE, "detail": 0}
        )
        return ReportPageSeen(best_sent, REPORT_PAGE, len(body) if isinstance(body, list) else 0)

    def _clicked_links(self, mailing_id: str) -> list[str]:
        body = self.hook.request("GET", f"reports/{segment(mailing_id)}/stats/links")
        links = body.get("links", []) if isinstance(body, dict) else body if isinstance(body, list) else []
        clicked = []
        for link in links:
            if not isinstance(link, dict) or link.get("id") in (None, ""):
                continue
            counts = [_int(link.get(k)) for k in ("total_clicks", "unique_clicks", "clicks") if k in link]
            if not counts or max(counts) > 0:
                clicked.append(str(link["id"]))
        return clicked

    def _clicks(self, recent: list[dict[str, Any]]) -> ClicksSeen:
        for mailing in recent:
            mailing_id = str(mailing.get("id"))
            links = self._clicked_links(mailing_id)
            per_link: set[str] = set()
            for link_id in links:
                per_link |= self._report_rows(mailing_id, "clicked", link_id)
            if per_link:
                return ClicksSeen(len(links), frozenset(self._report_rows(mailing_id, "clicked")), frozenset(per_link))
        return ClicksSeen(0, frozenset(), frozenset())
