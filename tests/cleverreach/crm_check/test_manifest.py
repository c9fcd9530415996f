"""The adapter manifest and the shipped adapter folder agree: every file has an entry, every entry a
file, the same parameters, and the README's table is the manifest's."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleverreach.crm.sql import names_in
from cleverreach.crm_check.contract import Access, markdown_table, positional_count, sql_parameters
from cleverreach.crm_check.manifest import BY_NAME, STATEMENTS

REPO = Path(__file__).resolve().parents[3]
QUERIES = REPO / "include" / "sql" / "queries"
README = REPO / "README.md"


def _files(name: str) -> list[Path]:
    return sorted(p for p in QUERIES.glob(f"{name}.*sql") if p.name.split(".")[0] == name)


def test_every_query_file_has_an_entry_and_every_entry_a_file():
    files = {name.removeprefix("queries/") for name in names_in(QUERIES.parent, "queries")}
    assert sorted(files - BY_NAME.keys()) == [], "query files without a manifest entry"
    assert sorted(BY_NAME.keys() - files) == [], "manifest entries without a query file"
    assert len(BY_NAME) == len(STATEMENTS), "a statement is listed twice"


@pytest.mark.parametrize("entry", STATEMENTS, ids=lambda s: s.name)
def test_parameters_are_the_sqls(entry):
    for path in _files(entry.name):
        sql = path.read_text(encoding="utf-8")
        if entry.positional:
            assert positional_count(sql) == len(entry.params), path.name
        else:
            assert sql_parameters(sql) == set(entry.params), path.name


@pytest.mark.parametrize("entry", STATEMENTS, ids=lambda s: s.name)
def test_dialect_only_entries_name_their_files(entry):
    variants = {path.name.split(".")[1] for path in _files(entry.name) if path.name.count(".") == 2}
    shared = any(path.name.count(".") == 1 for path in _files(entry.name))
    if entry.dialects:
        assert not shared and variants == set(entry.dialects)
    else:
        assert shared


@pytest.mark.parametrize("entry", STATEMENTS, ids=lambda s: s.name)
def test_reads_return_columns_and_writes_return_none(entry):
    assert bool(entry.columns) == (entry.access is Access.READ), entry.name


def test_the_parameter_parser_skips_casts_and_comments():
    assert sql_parameters("-- :hidden\nSELECT CAST(:a AS text), b::int FROM t WHERE c = :c_1") == {"a", "c_1"}


def test_readme_adapter_table_is_the_manifests():
    text = README.read_text(encoding="utf-8")
    begin, end = "<!-- adapter-manifest: begin -->", "<!-- adapter-manifest: end -->"
    assert begin in text and end in text
    table = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert table == markdown_table(STATEMENTS), "regenerate: python -m cleverreach.crm_check.manifest"
