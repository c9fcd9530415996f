"""Reading CleverReach's paged list endpoints without losing or repeating rows.

``page`` counts from 0 and ``pagesize`` is a request, not a promise: whether the server clamps a larger
size silently is unknown (report receivers: about 100). So a page shorter than the size asked does not
end the read; only an empty page (or reaching a known total) does. Rows are keyed (receiver id, else
e-mail) and a row already yielded is never yielded again, so overlapping pages are harmless.

:func:`paginate_sized` (report receivers) asks for large pages and follows the size the server serves:
the server reads ``page`` as a page index of *its* page size, so after a page of ``n`` rows where more
were asked, the read continues at row ``n`` with pages of ``n`` (page 1 = rows n..2n-1), never at row
``page * asked``. A size the server refuses (400, or an answer above the response cap) is lowered
step by step; the size it accepted is kept for the rest of the run.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from cleverreach.exceptions import (CleverReachError, CleverReachResponseError, CleverReachResponseTooLargeError,
                                    CleverReachValidationError)
from cleverreach.hooks.responses import ReceiverRow
from cleverreach.hooks.seen_keys import SeenKeys

log = logging.getLogger(__name__)

MAX_PAGES = 100_000
MAX_LIST_PARAM_CHARS = 1500  # id_list / email_list per request, to keep URLs short


def row_key(row: Any) -> int | str:
    """A receiver's identity across pages: its id, else its e-mail (case-insensitive); a dict or a typed
    :class:`~cleverreach.hooks.responses.ReceiverRow`. An integer id is the number, sent as ``7`` or ``"7"``
    (kept in 8 bytes: ``hooks.seen_keys``); any other id is ``"id:..."``."""
    if type(row) is ReceiverRow:
        rid, email = row.id, row.email
    elif isinstance(row, dict):
        rid, email = row.get("id"), row.get("email")
    else:
        return f"row:{row!r}"
    if type(rid) is int:
        return rid
    if rid not in (None, ""):
        text = str(rid)
        number = _integer(text)
        return number if number is not None else f"id:{text}"
    if email:
        return f"email:{str(email).strip().lower()}"
    return f"row:{row!r}"


def _integer(text: str) -> int | None:
    """The number ``text`` spells as Python would print it (``"7"``, not ``"07"``, ``" 7"`` or ``"7.0"``)."""
    try:
        number = int(text)
    except ValueError:
        return None
    return number if str(number) == text else None


def _fresh_rows(body: Any, seen: SeenKeys, key: Callable[[Any], Hashable], label: str, page: int) -> list[Any] | None:
    """A page's rows not read before (their keys added to ``seen``), or None at the end (an empty page); a page that
    is no list, or holds only rows already read, is an error: the server does not page as documented."""
    if body in (None, False, "false") or body == []:
        return None
    if not isinstance(body, list):
        raise CleverReachResponseError(f"{label}: expected a list page, got {type(body).__name__}")
    fresh = [row for row, new in zip(body, seen.add_new([key(row) for row in body])) if new]
    if not fresh:
        raise CleverReachResponseError(
            f"{label}: page {page} repeats rows already read; the server does not page as documented"
        )
    return fresh


def paginate(
    fetch: Callable[[int], Any],
    *,
    label: str,
    total: int | None = None,
    key: Callable[[Any], Hashable] = row_key,
    max_pages: int = MAX_PAGES,
    prefetch: bool = False,
) -> Iterator[list[dict[str, Any]]]:
    """
    Yield the new rows of each page that ``fetch(page)`` returns, until an empty page.

    :param fetch: reads one page (0-based) and returns the decoded body, a list.
    :param label: names the endpoint in errors.
    :param total: the number of rows, if known: the read ends as soon as that many were seen.
    :param prefetch: after a page with rows, fetch the next one in a thread while the caller works on this one:
        the same requests in the same order, one at a time (the next is asked once this one is answered), but the
        server builds a page while the caller types the last (a million receivers: the server's time and ours
        overlap instead of adding up).
    """
    seen = SeenKeys()
    pool = ThreadPoolExecutor(1, thread_name_prefix="cleverreach-page") if prefetch else None
    ahead: Future[Any] | None = None
    try:
        for page in range(max_pages):
            body = ahead.result() if ahead is not None else fetch(page)
            ahead = None
            fresh = _fresh_rows(body, seen, key, label, page)
            if fresh is None:
                return
            done = total is not None and len(seen) >= total
            if pool is not None and not done and page + 1 < max_pages:
                ahead = pool.submit(fetch, page + 1)
            yield fresh
            if done:
                return
        raise CleverReachResponseError(f"{label}: more than {max_pages} pages; stopping")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # a read given up early leaves no request behind


#: the sizes tried, largest first, after the server refused one (a 400 or an answer above the response cap)
PAGE_SIZE_STEPS = (5000, 2500, 1000, 500, 250, 100, 50, 25, 10, 5, 1)


@dataclass
class PageSize:
    """The page size one endpoint is asked for, shared by the reads of one hook (one connection, one run):
    lowered once the server refused a larger one, so that the refusal costs its requests once a run.
    ``served`` is the clamp seen (pages of fewer rows than asked while more followed), for the log."""

    ask: int
    served: int | None = None


def smaller_size(asked: int, offset: int) -> int | None:
    """The next size to try below ``asked``; it divides ``offset`` (the rows read so far), so that the read
    continues at exactly that row."""
    for step in PAGE_SIZE_STEPS:
        if step < asked:
            return math.gcd(offset, step) if offset else step
    return None


def _size_refused(exc: CleverReachError, asked: int, accepted: int) -> bool:
    """A 400 for a size above one the server accepted in this read, or a page too large to receive."""
    if isinstance(exc, CleverReachResponseTooLargeError):
        return asked > 1
    return isinstance(exc, CleverReachValidationError) and exc.status == 400 and asked > max(accepted, 1)


def paginate_sized(
    fetch: Callable[[int, int], Any],
    *,
    label: str,
    size: PageSize,
    key: Callable[[Any], Hashable] = row_key,
    max_pages: int = MAX_PAGES,
    prefetch: bool = False,
) -> Iterator[list[dict[str, Any]]]:
    """
    Yield the new rows of each page that ``fetch(page, pagesize)`` returns, until an empty page.

    Keeps ``offset``, the rows the server has served in its order, and always asks for the page index that
    starts there: ``offset`` is a multiple of the size asked. A short page (``n`` < asked) is the end or a
    clamp; either way the read goes on at ``offset`` with pages of gcd(rows before it, ``n``), and only
    an empty page ends it. A refused size is lowered (:data:`PAGE_SIZE_STEPS`) and retried at the same row.

    :param prefetch: after a full page, fetch the next one (whose index is then certain) in a thread while
        the caller works on this one: still one request at a time, without the caller's time between two.
    """
    seen = SeenKeys()
    offset, asked, accepted = 0, size.ask, 0
    pool = ThreadPoolExecutor(1, thread_name_prefix="cleverreach-page") if prefetch else None
    ahead: tuple[int, int, Future[Any]] | None = None
    try:
        for _request in range(max_pages):
            page = offset // asked
            try:
                if ahead is not None and ahead[:2] == (page, asked):
                    body = ahead[2].result()
                else:
                    if ahead is not None:  # never two requests at once
                        wait([ahead[2]])
                    body = fetch(page, asked)
            except CleverReachError as exc:
                lower = smaller_size(asked, offset) if _size_refused(exc, asked, accepted) else None
                if lower is None:
                    raise
                log.warning("%s: a page of %d was refused (%s); asking for %d", label, asked, type(exc).__name__, lower)
                asked = lower
                continue
            finally:
                ahead = None
            if not accepted and asked < size.ask:
                size.ask = asked  # the largest size this server accepts: the rest of the run starts there
            accepted = max(accepted, asked)
            fresh = _fresh_rows(body, seen, key, label, page)
            if fresh is None:
                return
            served = len(body)
            if served > asked and offset % served:  # its own, larger size: page indexes of it no longer meet offset
                raise CleverReachResponseError(f"{label}: a page of {served} rows where {asked} were asked")
            if served != asked:  # the end, or a clamp: go on at offset + served, in pages that divide it
                if offset == 0:
                    log.debug("%s: asked for %d rows a page, served %d; reading on in pages of %d", label, asked,
                              served, served)
                asked = math.gcd(offset, served)
            elif offset == asked and asked < size.ask and size.served is None:
                size.served = asked  # page 1 full at the size page 0 was cut to: the server's clamp
                log.info("%s: the server serves pages of %d where %d were asked; reading on in pages of %d",
                         label, asked, size.ask, asked)
            offset += served
            if pool is not None and served == asked:
                ahead = (offset // asked, asked, pool.submit(fetch, offset // asked, asked))
            yield fresh
        raise CleverReachResponseError(f"{label}: more than {max_pages} pages; stopping")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # a read given up early leaves no request behind


def chunks_by_length(values: Sequence[str], limit: int = MAX_LIST_PARAM_CHARS) -> Iterator[list[str]]:
    """Split values into comma-joined query parameters of at most ``limit`` characters."""
    chunk: list[str] = []
    length = 0
    for value in values:
        if chunk and length + len(value) + 1 > limit:
            yield chunk
            chunk, length = [], 0
        chunk.append(value)
        length += len(value) + 1
    if chunk:
        yield chunk
