"""The adapter manifest and the shipped adapter folder agree: every file has an entry, every entry a
file, the same parameters, and the table in docs/crm-adapter.md is the manifest's."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleverreach.crm.sql import names_in
from cleverreach.crm_check.contract import Access, SampleRef, markdown_table, positional_count, sql_parameters
from cleverreach.crm_check.manifest import BY_NAME, HISTORY_STAGING, STATEMENTS
from cleverreach.history.events import HistoryRow
from cleverreach.ui.keyset import BOUNDARY_FILTER, STATE_FILTER, MemberSort, walks_person

REPO = Path(__file__).resolve().parents[3]
QUERIES = REPO / "include" / "sql" / "queries"
ADAPTER_DOC = REPO / "docs" / "crm-adapter.md"


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


def test_the_docs_adapter_table_is_the_manifests():
    text = ADAPTER_DOC.read_text(encoding="utf-8")
    begin, end = "<!-- adapter-manifest: begin -->", "<!-- adapter-manifest: end -->"
    assert begin in text and end in text
    table = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert table == markdown_table(STATEMENTS), "regenerate: python -m cleverreach.crm_check.manifest"


KEY_NAMES = {"id", "list_id", "contact_person_id", "address_id", "external_id", "contact_id"}


@pytest.mark.parametrize("entry", STATEMENTS, ids=lambda s: s.name)
def test_key_columns_are_typed_by_the_declaration_and_key_samples_name_entities(entry):
    """No key column is a fixed integer, and no key parameter a fixed value: a CRM keyed by UUIDs or text
    must pass (select_tenants' id is the tenant's, which is text everywhere)."""
    for name, kind in entry.columns.items():
        if name in KEY_NAMES and entry.name != "select_tenants":
            assert kind.is_key, (entry.name, name)
    for name, sample in entry.params.items():
        if name in KEY_NAMES | {"contact_ids", "address_ids", "tenant_id"} and sample is not None:
            items = sample if isinstance(sample, list) else [sample]
            assert all(isinstance(item, SampleRef) for item in items), (entry.name, name)


def test_the_staging_table_is_the_history_loads():
    """The history load copies HistoryRow's fields into the staging table by name: the manifest declares both."""
    assert tuple(HISTORY_STAGING.columns) == HistoryRow._fields
    assert set(HISTORY_STAGING.sample) == set(HISTORY_STAGING.columns)
    store = (REPO / "plugins" / "cleverreach" / "history" / "store.py").read_text(encoding="utf-8")
    assert f'"{HISTORY_STAGING.name}", HistoryRow._fields' in store  # its COPY: the table's name, HistoryRow's fields
    assert BY_NAME["history_create_staging"].creates == HISTORY_STAGING == BY_NAME["history_insert_from_staging"].reads


def test_every_sort_and_filter_the_page_appends_is_declared_on_the_statement_it_goes_to():
    large = {sort for sort in MemberSort if not walks_person(sort)}
    assert {e.sort for e in BY_NAME["ui_members_page"].extensions if e.sort} == large
    assert {e.sort for e in BY_NAME["ui_members_page_by_person"].extensions if e.sort} == set(MemberSort) - large
    assert {e.sort for e in BY_NAME["ui_members_page_small"].extensions} == set(MemberSort)
    for name in ("ui_members_page", "ui_members_page_by_person"):  # the state filter goes with every sort
        assert all(STATE_FILTER in e.where for e in BY_NAME[name].extensions if e.sort)
    assert [e.where for e in BY_NAME["ui_members_page"].extensions if not e.sort] == [(BOUNDARY_FILTER,)]
