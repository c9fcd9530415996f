"""Every adapter folder the tests use (the shipped one and the German-shaped CRM's) keeps the manifest's
contract on paper: one file (or one per dialect) per statement, the same parameters, no stray files, and
the DDL of its CRM in ``crm/``. The live check (``cleverreach_check_crm``) runs them: tests/dags/test_crm_adapters.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.crm_shapes import SHAPES, CrmShape

from cleverreach.crm.sql import names_in
from cleverreach.crm_check.contract import Statement, positional_count, sql_parameters
from cleverreach.crm_check.manifest import BY_NAME, STATEMENTS


def _files(shape: CrmShape, name: str) -> list[Path]:
    return sorted(p for p in (shape.adapter_dir / "queries").glob(f"{name}.*sql") if p.name.split(".")[0] == name)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_the_folder_holds_exactly_the_manifests_statements_and_its_crms_tables(shape):
    files = {name.removeprefix("queries/") for name in names_in(shape.adapter_dir, "queries")}
    assert sorted(files - BY_NAME.keys()) == [], "files the manifest does not know"
    assert sorted(BY_NAME.keys() - files) == [], "statements without a file"
    assert names_in(shape.adapter_dir, "crm"), "no DDL of the CRM's tables"


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("entry", STATEMENTS, ids=lambda s: s.name)
def test_each_file_takes_the_manifests_parameters(shape: CrmShape, entry: Statement):
    variants = _files(shape, entry.name)
    dialects = {path.name.split(".")[1] for path in variants if path.name.count(".") == 2}
    if entry.dialects:  # only where it runs, and never as a shared file
        assert dialects == set(entry.dialects) and len(variants) == len(dialects)
    else:
        assert any(path.name.count(".") == 1 for path in variants)
    for path in variants:
        sql = path.read_text(encoding="utf-8")
        if entry.positional:
            assert positional_count(sql) == len(entry.params), path.name
        else:
            assert sql_parameters(sql) == set(entry.params), path.name
