"""Reading CleverReach's paged list endpoints without losing or repeating rows.

``page`` counts from 0 and ``pagesize`` is a request, not a promise: whether the server clamps a larger
size silently is unknown (report receivers: about 100). So a page shorter than the size asked does not
end the read; only an empty page (or reaching a known total) does. Rows are keyed (receiver id, else
e-mail) and a row already yielded is never yielded again, so overlapping pages are harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cleverreach.exceptions import CleverReachResponseError

MAX_PAGES = 100_000
MAX_LIST_PARAM_CHARS = 1500  # id_list / email_list per request, to keep URLs short


def row_key(row: Any) -> str:
    """A receiver's identity across pages: its id, else its e-mail (case-insensitive)."""
    if isinstance(row, dict):
        if row.get("id") not in (None, ""):
            return f"id:{row['id']}"
        if row.get("email"):
            return f"email:{str(row['email']).strip().lower()}"
    return f"row:{row!r}"


def paginate(
    fetch: Callable[[int], Any],
    *,
    label: str,
    total: int | None = None,
    key: Callable[[Any], str] = row_key,
    max_pages: int = MAX_PAGES,
) -> Iterator[list[dict[str, Any]]]:
    """
    Yield the new rows of each page that ``fetch(page)`` returns, until an empty page.

    :param fetch: reads one page (0-based) and returns the decoded body, a list.
    :param label: names the endpoint in errors.
    :param total: the number of rows, if known: the read ends as soon as that many were seen.
    """
    seen: set[str] = set()
    for page in range(max_pages):
        body = fetch(page)
        if body in (None, False, "false") or body == []:
            return
        if not isinstance(body, list):
            raise CleverReachResponseError(f"{label}: expected a list page, got {type(body).__name__}")
        fresh = []
        for row in body:
            row_id = key(row)
            if row_id not in seen:
                seen.add(row_id)
                fresh.append(row)
        if not fresh:
            raise CleverReachResponseError(
                f"{label}: page {page} repeats rows already read; the server does not page as documented"
            )
        yield fresh
        if total is not None and len(seen) >= total:
            return
    raise CleverReachResponseError(f"{label}: more than {max_pages} pages; stopping")


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
