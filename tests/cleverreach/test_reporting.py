"""The task logs' tables, and the summary that keeps a run red when a mapped item produced no result."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.reporting import format_table, summarize_results


def test_format_table_aligns_columns_and_shows_none_as_empty():
    table = format_table([{"tenant_id": "acme", "added": 3}, {"tenant_id": "b", "added": None}], ["tenant_id", "added"])
    assert table.splitlines() == [
        "tenant_id  added",
        "---------  -----",
        "acme       3",
        "b",
    ]


def test_format_table_of_no_rows_is_the_header():
    assert format_table([], ["a", "bb"]).splitlines() == ["a  bb", "-  --"]


def test_summarize_results_prints_the_table_and_returns_the_rows(capsys):
    rows = summarize_results([{"tenant_id": "a", "n": 1}, {"tenant_id": "b", "n": 2}],
                             [{"tenant_id": "a"}, {"tenant_id": "b"}], ["tenant_id", "n"])
    assert rows == [{"tenant_id": "a", "n": 1}, {"tenant_id": "b", "n": 2}]
    assert "tenant_id  n" in capsys.readouterr().out


def test_summarize_results_fails_when_a_mapped_item_produced_nothing(capsys):
    with pytest.raises(AirflowFailException, match=r"no result for 1 of the mapped tasks: \['b'\]"):
        summarize_results([{"tenant_id": "a"}, None], [{"tenant_id": "a"}, {"tenant_id": "b"}], ["tenant_id"])
    assert "a" in capsys.readouterr().out  # the table is printed before the run turns red


def test_summarize_results_matches_per_list_when_items_name_a_list(capsys):
    results = [{"tenant_id": "a", "list_id": "1"}]
    expected = [{"tenant_id": "a", "list_id": "1"}, {"tenant_id": "a", "list_id": "2"}]
    with pytest.raises(AirflowFailException, match=r"\('a', '2'\)"):
        summarize_results(results, expected, ["tenant_id", "list_id"])
