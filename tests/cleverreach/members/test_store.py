"""The dialog's selection SQL on SQLite and PostgreSQL: each filter, AND, umlauts, literal wildcards."""

from __future__ import annotations

import pytest

from cleverreach.members.selection import MemberSelection
from cleverreach.members.store import MemberStore


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"letter": "A"}, [10, 11, 12]),  # Ärztehaus under A, with Apotheke
        ({"letter": "B"}, [14]),  # leading spaces skipped, umlaut in second place irrelevant
        ({"letter": "E"}, [15]),  # émile
        ({"letter": "0-9"}, [13]),
        ({"letter": "Z"}, [16]),
        ({"tag": "vip"}, [10, 11, 12]),  # both spellings "VIP" and "vip"; not beta's VIP address
        ({"category": "KUNDE"}, [12, 14, 15]),
        ({"category": "ärzte"}, [10, 11]),  # non-ASCII case difference, on SQLite too
        ({"sales_process": "neukunde"}, [10, 11]),
        ({"search": "köln"}, [12, 13]),  # city "Köln" and "KÖLN"; not beta's Köln address
        ({"search": "aerzte"}, [10, 11]),  # matchcode
        ({"search": "ÄRZTEHAUS"}, [10, 11]),  # name
        ({"search": "%"}, [14, 16]),  # only names/cities with a literal %
        ({"search": "_"}, [14]),  # only a literal underscore
        ({"search": "50%"}, [16]),
        ({"address_ids": [2, 5]}, [12, 15]),
        ({"contact_ids": [11, 17]}, [11, 17]),  # contact ids alone: exactly those, with or without address
        ({"tag": "nobody-has-this"}, []),
    ],
)
def test_each_filter(crm, crm_engine, filters, expected):
    selection = MemberSelection("acme", crm["Newsletter"], **{
        k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()
    })
    assert [r["contact_person_id"] for r in MemberStore(crm_engine).select(selection)] == [str(c) for c in expected]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "kunde", "letter": "A"}, [12]),
        ({"tag": "VIP", "search": "mitte"}, [10, 11]),
        ({"tag": "vip", "contact_ids": (10, 12, 16)}, [10, 12]),
        ({"letter": "A", "contact_ids": (17,)}, []),  # a person without address never matches address filters
        ({"address_ids": (1, 2, 3), "search": "köln", "sales_process": "Bestandskunde"}, []),
        ({"address_ids": (1, 2, 3), "search": "köln"}, [12, 13]),
    ],
)
def test_filters_combine_with_and(crm, crm_engine, filters, expected):
    selection = MemberSelection("acme", crm["Newsletter"], **filters)
    assert [r["contact_person_id"] for r in MemberStore(crm_engine).select(selection)] == [str(c) for c in expected]
