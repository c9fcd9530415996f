"""The pager's rules on scripted servers: short pages, overlaps, repeats, totals; and URL-sized chunks."""

from __future__ import annotations

import pytest

from cleverreach.exceptions import CleverReachResponseError
from cleverreach.hooks.paging import chunks_by_length, paginate


def rows(*ids: int) -> list[dict]:
    return [{"id": str(i), "email": f"r{i}@example.org"} for i in ids]


def scripted(*pages: list[dict]):
    calls: list[int] = []

    def fetch(page: int):
        calls.append(page)
        return pages[page] if page < len(pages) else []

    return fetch, calls


def test_a_short_page_does_not_end_the_read():
    fetch, calls = scripted(rows(1, 2), rows(3, 4), rows(5))  # a server that serves 2 when 100 were asked
    assert [[r["id"] for r in page] for page in paginate(fetch, label="x")] == [["1", "2"], ["3", "4"], ["5"]]
    assert calls == [0, 1, 2, 3]


def test_rows_seen_on_an_earlier_page_are_not_yielded_again():
    fetch, _ = scripted(rows(1, 2, 3), rows(3, 4, 5), rows(5, 6))
    ids = [r["id"] for page in paginate(fetch, label="x") for r in page]
    assert ids == ["1", "2", "3", "4", "5", "6"]


def test_a_known_total_ends_the_read_without_the_empty_page():
    fetch, calls = scripted(rows(1, 2), rows(3))
    assert sum(len(p) for p in paginate(fetch, label="x", total=3)) == 3
    assert calls == [0, 1]


def test_a_server_that_ignores_the_page_number_is_an_error_not_a_loop():
    with pytest.raises(CleverReachResponseError, match="repeats rows"):
        list(paginate(lambda page: rows(1, 2), label="GET /v3/groups/1/receivers"))


def test_rows_without_an_id_are_keyed_by_email():
    fetch, _ = scripted([{"email": "A@example.org"}], [{"email": "a@example.org"}, {"email": "b@example.org"}])
    assert [r["email"] for page in paginate(fetch, label="x") for r in page] == ["A@example.org", "b@example.org"]


def test_a_non_list_page_is_an_error():
    with pytest.raises(CleverReachResponseError, match="expected a list page"):
        list(paginate(lambda page: {"error": "x"}, label="x"))


def test_chunks_keep_query_values_short():
    values = [f"receiver{i:04d}@example.org" for i in range(200)]
    chunks = list(chunks_by_length(values, limit=500))
    assert [v for chunk in chunks for v in chunk] == values
    assert all(len(",".join(chunk)) <= 500 for chunk in chunks) and len(chunks) > 1
