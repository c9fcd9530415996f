"""cleverreach_api_check through Airflow (``dag.test()``) against the emulator and a real CRM database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from helpers.api_check_account import (
    EXISTING_GROUPS,
    TEST_EMAILS,
    api_account,  # noqa: F401 - fixture
    derived_prefixes,
    existing_state,
    scratch_group_ids,
)
from helpers.crm_seed import add_tenants
from scripts.airflow_runner import run_dag

pytestmark = pytest.mark.usefixtures("airflow_db")


@pytest.fixture
def world(api_account, crm_engine):
    from cleverreach.crm.migrations import migrate

    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "gamma", "name": "Inactive", "active": False})
    return api_account


def groups(emulator) -> dict[str, str]:
    return {g["id"]: g["name"] for g in emulator.client.state()["accounts"][0]["groups"]}


def log_files() -> dict[Path, str]:
    root = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    return {p: p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()} if root.exists() else {}


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)
def test_every_assumption_holds_on_the_emulator_and_only_scratch_groups_are_written(world, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    files_before = {p: len(t) for p, t in log_files().items()}
    before = existing_state(world)

    result = run_dag("cleverreach_api_check", {"tenant": "acme", "test_emails": TEST_EMAILS})

    assert result.state == "success", result
    (table,) = result.returns["check_api"]
    assert len(table) == 20  # one row per assumption, the IDN spelling included
    assert {row["result"] for row in table} == {"holds"}, table
    assert set(table[0]) == {"check", "assumption", "expected", "result", "seen"}
    assert existing_state(world) == before
    assert set(groups(world)) == EXISTING_GROUPS  # the scratch groups are gone
    log = world.client.requests()
    assert len(scratch_group_ids(log)) == 2
    writes = [e for e in log if e["method"] != "GET" and e["path"].startswith("/v3/")]
    assert writes and all(
        e["path"] in ("/v3/groups", "/v3/attributes") or e["path"].split("/")[3] in scratch_group_ids(log) for e in writes
    )

    # The table is in the task log, and no test address (nor one derived from them) is anywhere in it.
    captured = capfd.readouterr()
    sources = {"stdout": captured.out, "stderr": captured.err, "records": "\n".join(r.getMessage() for r in caplog.records)}
    for path, content in log_files().items():
        sources[str(path)] = content[files_before.get(path, 0):]
    everything = "\n".join(sources.values())
    assert "bulk delete takes ids only" in everything and "Deleted the scratch groups" in everything
    leaks = [
        f"{needle} in {name}"
        for name, content in sources.items()
        for needle in [*TEST_EMAILS, *derived_prefixes()]
        if needle.lower() in content.lower()
    ]
    assert not leaks, leaks


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)
def test_a_variant_shows_as_differs_and_keep_group_keeps_the_scratch_groups(world):
    world.client.update_settings(deleted_group_response="empty_list", global_attribute_scope="group")
    result = run_dag("cleverreach_api_check", {"tenant": "acme", "test_emails": TEST_EMAILS[:1], "keep_group": True})

    assert result.state == "success", result
    (table,) = result.returns["check_api"]
    by_check = {row["check"]: row for row in table}
    assert {c for c, row in by_check.items() if row["result"] != "holds"} == {"global_attribute_scope", "deleted_group_response"}
    assert by_check["global_attribute_scope"]["result"] == "differs"
    assert by_check["deleted_group_response"]["result"] == "could not check"  # kept: nothing was deleted
    kept = {gid: name for gid, name in groups(world).items() if gid not in EXISTING_GROUPS}
    assert len(kept) == 2 and all(name.startswith("cleverreach-api-check-") for name in kept.values())


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)
def test_invalid_params_are_refused_before_any_request(world):
    from airflow.sdk.exceptions import ParamValidationError

    for conf in [
        {"tenant": "acme"},
        {"tenant": "acme", "test_emails": []},
        {"tenant": "acme", "test_emails": ["check-one@tests.example", "not an address"]},
        {"tenant": "acme", "test_emails": "check-one@tests.example"},
        {"tenant": "acme", "test_emails": [f"u{i}@tests.example" for i in range(11)]},
        {"tenant": "acme", "test_emails": TEST_EMAILS, "keep_group": "yes"},
        {"test_emails": TEST_EMAILS},
    ]:
        with pytest.raises(ParamValidationError):
            run_dag("cleverreach_api_check", conf)
    assert world.client.requests() == []

    # The schema's "email" format only wants an @; the operator's own check (email-validator) refuses the rest.
    result = run_dag("cleverreach_api_check", {"tenant": "acme", "test_emails": ["check-one@tests.example", "check@nodot"]})
    assert result.state == "failed"
    assert result.states("check_api") == ["failed"]
    for conf in [{"tenant": "gamma", "test_emails": TEST_EMAILS}, {"tenant": "nope", "test_emails": TEST_EMAILS}]:
        result = run_dag("cleverreach_api_check", conf)
        assert result.state == "failed" and result.states("resolve_tenant") == ["failed"]
    assert world.client.requests() == []  # not a single call, not even a token
    assert set(groups(world)) == EXISTING_GROUPS
