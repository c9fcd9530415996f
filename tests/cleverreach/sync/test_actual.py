"""The group's receivers as a frame, built page by page: typed columns and e-mail keys per page."""

from __future__ import annotations

import pandas as pd
import pytest

from cleverreach.hooks.responses import ReceiverRow
from cleverreach.sync.actual import ACTUAL_COLUMNS, receivers_frame
from cleverreach.sync.keys import email_keys


@pytest.mark.parametrize("keyed_rows", [1, 2, 100_000])  # keys made per page, across pages, for all at once
def test_pages_become_one_frame_with_each_receivers_own_key(monkeypatch, keyed_rows):
    import cleverreach.sync.actual as actual

    monkeypatch.setattr(actual, "KEYED_ROWS", keyed_rows)
    pages = [
        [{"id": 1, "email": "anna@example.org", "activated": "5", "global_attributes": {"ext_id": " 7 ", "firstname": "Anna"}}],
        [ReceiverRow(id=2, email=" Ben@Example.ORG", activated=6, deactivated=None, bounced=0,
                     global_attributes={"ext_id": 8}),
         {"id": "3", "email": "jürgen@bücher.example", "global_attributes": None}],
        [{"id": 4, "email": None}],
    ]
    frame = receivers_frame(pages)
    assert list(frame.columns) == ACTUAL_COLUMNS
    assert frame["receiver_id"].tolist() == ["1", "2", "3", "4"]
    assert frame["email_key"].tolist() == ["anna@example.org", "ben@example.org", "jürgen@xn--bcher-kva.example", ""]
    assert frame["email_key"].tolist() == email_keys(frame["email"]).tolist()  # as the whole column's keys
    assert frame["ext_id"].tolist() == ["7", "8", "", ""] and frame["firstname"].tolist() == ["Anna", "", "", ""]
    assert frame["activated"].tolist() == [5, 6, 0, 0] and frame["activated"].dtype == "int64"


def test_no_pages_is_an_empty_typed_frame():
    frame = receivers_frame([])
    assert list(frame.columns) == ACTUAL_COLUMNS and frame.empty
    assert frame["activated"].dtype == "int64" and pd.api.types.is_string_dtype(frame["email_key"].dtype)
