"""The pager's rules on scripted servers: short pages, overlaps, repeats, totals; and URL-sized chunks. The
sized pager (report receivers) on servers that clamp, refuse or honour a large ``pagesize``, under both
readings of ``page`` (an index of the size served, or of the size asked)."""

from __future__ import annotations

import pytest

from cleverreach.exceptions import CleverReachResponseError, CleverReachResponseTooLargeError, CleverReachValidationError
from cleverreach.hooks.paging import PageSize, chunks_by_length, paginate, paginate_sized, smaller_size


def rows(*ids: int) -> list[dict]:
    return [{"id": str(i), "email": f"r{i}@example.org"} for i in ids]


def scripted(*pages: list[dict]):
    calls: list[int] = []

    def fetch(page: int):
        calls.append(page)
        return pages[page] if page < len(pages) else []

    return fetch, calls


@pytest.mark.parametrize("prefetch", [False, True])
def test_a_short_page_does_not_end_the_read(prefetch):
    fetch, calls = scripted(rows(1, 2), rows(3, 4), rows(5))  # a server that serves 2 when 100 were asked
    assert [[r["id"] for r in page] for page in paginate(fetch, label="x", prefetch=prefetch)] == [["1", "2"], ["3", "4"], ["5"]]
    assert calls == [0, 1, 2, 3]


@pytest.mark.parametrize("prefetch", [False, True])
def test_rows_seen_on_an_earlier_page_are_not_yielded_again(prefetch):
    fetch, _ = scripted(rows(1, 2, 3), rows(3, 4, 5), rows(5, 6))
    ids = [r["id"] for page in paginate(fetch, label="x", prefetch=prefetch) for r in page]
    assert ids == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("prefetch", [False, True])
def test_a_known_total_ends_the_read_without_the_empty_page(prefetch):
    fetch, calls = scripted(rows(1, 2), rows(3))
    assert sum(len(p) for p in paginate(fetch, label="x", total=3, prefetch=prefetch)) == 3
    assert calls == [0, 1]


@pytest.mark.parametrize("prefetch", [False, True])
def test_a_server_that_ignores_the_page_number_is_an_error_not_a_loop(prefetch):
    with pytest.raises(CleverReachResponseError, match="repeats rows"):
        list(paginate(lambda page: rows(1, 2), label="GET /v3/groups/1/receivers", prefetch=prefetch))


@pytest.mark.parametrize("prefetch", [False, True])
def test_rows_without_an_id_are_keyed_by_email(prefetch):
    fetch, _ = scripted([{"email": "A@example.org"}], [{"email": "a@example.org"}, {"email": "b@example.org"}])
    assert [r["email"] for page in paginate(fetch, label="x", prefetch=prefetch) for r in page] == ["A@example.org", "b@example.org"]


@pytest.mark.parametrize("prefetch", [False, True])
def test_a_non_list_page_is_an_error(prefetch):
    with pytest.raises(CleverReachResponseError, match="expected a list page"):
        list(paginate(lambda page: {"error": "x"}, label="x", prefetch=prefetch))


def test_the_plain_pager_reads_the_next_page_while_the_caller_works_one_request_at_a_time():
    """The next page is asked for while the caller still works on this one (the caller waits for that request),
    never two at once, and a caller that gives up waits for the page in flight and asks for no more."""
    import threading

    asked = {page: threading.Event() for page in range(6)}
    active, most, calls = [0], [0], []
    lock = threading.Lock()

    def fetch(page: int) -> list[dict]:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        calls.append(page)
        asked[page].set()
        with lock:
            active[0] -= 1
        return rows(2 * page, 2 * page + 1)

    pages = paginate(fetch, label="x", prefetch=True)
    for page in range(3):
        assert [r["id"] for r in next(pages)] == [str(2 * page), str(2 * page + 1)]
        assert asked[page + 1].wait(5), "the next page is read while the caller works on this one"
    pages.close()
    assert most[0] == 1 and calls == [0, 1, 2, 3]


def test_a_prefetched_plain_page_that_fails_raises_where_it_is_read():
    def fetch(page: int) -> list[dict]:
        if page == 2:
            raise CleverReachResponseError("broken page")
        return rows(page)

    pages = paginate(fetch, label="x", prefetch=True)
    assert [r["id"] for r in next(pages)] == ["0"] and [r["id"] for r in next(pages)] == ["1"]
    with pytest.raises(CleverReachResponseError, match="broken page"):
        next(pages)


def test_chunks_keep_query_values_short():
    values = [f"receiver{i:04d}@example.org" for i in range(200)]
    chunks = list(chunks_by_length(values, limit=500))
    assert [v for chunk in chunks for v in chunk] == values
    assert all(len(",".join(chunk)) <= 500 for chunk in chunks) and len(chunks) > 1


# ---------------------------------------------------------------------- the sized pager
class Server:
    """``total`` rows served in pages: at most ``clamp`` a page, a 400 above ``reject_above``; ``page`` is an index
    of the size served (``by="served"``, the emulator's reading) or of the size asked (``by="asked"``)."""

    def __init__(self, total: int, *, clamp: int = 0, reject_above: int = 0, by: str = "served",
                 too_large_above: int = 0) -> None:
        self.rows = rows(*range(total))
        self.clamp, self.reject_above, self.by, self.too_large_above = clamp, reject_above, by, too_large_above
        self.calls: list[tuple[int, int]] = []

    def __call__(self, page: int, size: int) -> list[dict]:
        self.calls.append((page, size))
        if self.reject_above and size > self.reject_above:
            raise CleverReachValidationError("Bad Request: pagesize too large", status=400)
        if self.too_large_above and size > self.too_large_above:
            raise CleverReachResponseTooLargeError("response above the cap")
        served = min(size, self.clamp) if self.clamp else size
        start = page * (served if self.by == "served" else size)
        return self.rows[start : start + served]


def read(server: Server, size: PageSize, prefetch: bool = False) -> list[str]:
    return [r["id"] for page in paginate_sized(server, label="x", size=size, prefetch=prefetch) for r in page]


ALL = [str(i) for i in range(260)]


@pytest.mark.parametrize("prefetch", [False, True])
@pytest.mark.parametrize("by", ["served", "asked"])
@pytest.mark.parametrize(("clamp", "reject_above"), [(0, 0), (100, 0), (25, 0), (0, 100), (25, 100), (37, 0)])
def test_every_row_once_whatever_the_server_serves(clamp, reject_above, by, prefetch):
    server = Server(260, clamp=clamp, reject_above=reject_above, by=by)
    assert read(server, PageSize(5000), prefetch) == ALL
    plain = Server(260, clamp=clamp, reject_above=reject_above, by=by)
    read(plain, PageSize(5000))
    assert server.calls == plain.calls  # the same requests, in the same order, with or without prefetching


def test_prefetching_keeps_one_request_at_a_time_and_stops_with_the_reader():
    import threading
    import time

    active, most, calls = [0], [0], []
    lock = threading.Lock()
    server = Server(1000, clamp=100)

    def fetch(page: int, size: int) -> list[dict]:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.01)
        calls.append(page)
        with lock:
            active[0] -= 1
        return server(page, size)

    pages = paginate_sized(fetch, label="x", size=PageSize(5000), prefetch=True)
    for _ in range(3):
        next(pages)
        time.sleep(0.02)  # the caller's work: the next page is fetched meanwhile
    pages.close()  # a reader that gives up waits for the page in flight, and asks for no more
    assert most[0] == 1 and calls == [0, 1, 2, 3]


def test_a_prefetched_page_that_fails_raises_where_it_is_read():
    server = Server(300)

    def fetch(page: int, size: int) -> list[dict]:
        if page == 2:
            raise CleverReachResponseError("broken page")
        return server(page, size)

    pages = paginate_sized(fetch, label="x", size=PageSize(100), prefetch=True)
    assert len(next(pages)) == len(next(pages)) == 100
    with pytest.raises(CleverReachResponseError, match="broken page"):
        next(pages)


def test_a_clamp_seen_on_page_0_continues_at_the_row_served_not_at_page_times_asked():
    server = Server(260, clamp=100)
    size = PageSize(5000)
    assert read(server, size) == ALL
    # page 1 of 100 is rows 100-199 (not 5000-5099); the last, short page is checked by an empty one at row 260
    assert server.calls == [(0, 5000), (1, 100), (2, 100), (13, 20)]
    assert (size.ask, size.served) == (5000, 100)  # a clamp costs nothing: the next read asks for 5000 again


def test_a_refused_size_is_lowered_once_a_run():
    server = Server(260, reject_above=100)
    size = PageSize(5000)
    assert read(server, size) == ALL
    assert server.calls[:6] == [(0, 5000), (0, 2500), (0, 1000), (0, 500), (0, 250), (0, 100)]
    assert size.ask == 100
    server.calls.clear()
    assert read(server, size) == ALL  # the same hook's next read starts at the accepted size
    assert server.calls[0] == (0, 100) and all(s <= 100 for _, s in server.calls)


def test_a_page_too_large_to_receive_mid_read_is_lowered_at_the_same_row():
    server = Server(260)
    big = server.__call__

    def fetch(page: int, size: int) -> list[dict]:
        if page == 1 and size == 120:
            raise CleverReachResponseTooLargeError("response above the cap")
        return big(page, size)

    ids = [r["id"] for page in paginate_sized(fetch, label="x", size=PageSize(120)) for r in page]
    assert ids == ALL
    assert server.calls[:2] == [(0, 120), (6, 20)]  # 100 is next; gcd(120, 100) = 20 pages meet row 120


def test_a_400_at_a_size_already_served_is_not_a_size_problem():
    server = Server(260, clamp=100)
    calls = []

    def fetch(page: int, size: int) -> list[dict]:
        calls.append((page, size))
        if page == 1:
            raise CleverReachValidationError("Bad Request: invalid from", status=400)
        return server(page, size)

    size = PageSize(5000)
    with pytest.raises(CleverReachValidationError):
        list(paginate_sized(fetch, label="x", size=size))
    assert calls == [(0, 5000), (1, 100)] and size.ask == 5000


def test_a_400_at_every_size_raises_and_keeps_the_size():
    size = PageSize(5000)
    server = Server(10, reject_above=0)

    def refuse(page: int, size: int) -> list[dict]:
        server.calls.append((page, size))
        raise CleverReachValidationError("Bad Request: invalid state", status=400)

    with pytest.raises(CleverReachValidationError):
        list(paginate_sized(refuse, label="x", size=size))
    assert [s for _, s in server.calls] == [5000, 2500, 1000, 500, 250, 100, 50, 25, 10, 5, 1] and size.ask == 5000


def test_a_server_serving_more_than_asked_is_followed_at_its_size():
    server = Server(260)

    def generous(page: int, size: int) -> list[dict]:
        return server(page, 100)  # ignores pagesize, pages of 100

    assert [r["id"] for p in paginate_sized(generous, label="x", size=PageSize(50)) for r in p] == ALL


def test_the_next_smaller_size_divides_the_rows_read():
    assert smaller_size(5000, 0) == 2500
    assert smaller_size(100, 0) == 50
    assert smaller_size(120, 120) == 20  # 100 does not divide 120
    assert smaller_size(1, 0) is None


def test_typed_rows_are_keyed_as_their_dicts():
    from cleverreach.hooks.paging import row_key
    from cleverreach.hooks.responses import ReceiverRow

    assert row_key(ReceiverRow(id=7, email="A@x.org")) == row_key({"id": 7, "email": "A@x.org"}) == 7
    assert row_key(ReceiverRow(id="", email=" A@X.org")) == row_key({"email": " A@X.org"}) == "email:a@x.org"
    assert row_key(ReceiverRow()).startswith("row:")


@pytest.mark.parametrize(("rid", "key"), [
    (7, 7), ("7", 7), ("-7", -7), (2**70, 2**70),  # an integer id, however sent, is the number
    ("07", "id:07"), (" 7", "id: 7"), ("7.0", "id:7.0"), (7.0, "id:7.0"), ("--7", "id:--7"), ("abc", "id:abc"),
    (True, "id:True"),
])
def test_an_integer_id_is_its_number_and_any_other_id_its_text(rid, key):
    from cleverreach.hooks.paging import row_key

    assert row_key({"id": rid, "email": "a@x.org"}) == key


def test_ids_sent_as_numbers_and_as_text_are_one_receiver():
    fetch, _ = scripted([{"id": 7, "email": "a@x.org"}, {"id": "8", "email": "b@x.org"}],
                        [{"id": "7", "email": "a@x.org"}, {"id": 8, "email": "b@x.org"}, {"id": "07", "email": "c@x.org"}])
    assert [r["id"] for page in paginate(fetch, label="x") for r in page] == [7, "8", "07"]
