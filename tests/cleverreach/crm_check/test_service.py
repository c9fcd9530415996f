"""The adapter check against real CRMs (SQLite and PostgreSQL) of other key types and with broken adapters:
what it runs is what the integration runs (keys in the declared type, the page's appended SQL, the history's
staging table), and one failure is reported once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.check_adapters import bigint_group_ids, copy_demo, edit, seed, uuid_contact_keys

from cleverreach.crm.sql import ADAPTER_DIR_CONF_ENV
from cleverreach.crm_check.contract import SampleRef
from cleverreach.crm_check.manifest import STATEMENTS
from cleverreach.crm_check.service import AdapterCheck
from cleverreach.crm_check.store import AdapterCheckStore
from cleverreach.crm_check.verdicts import StatementReport, Verdict, failure_message


def _no_aliases(folder):
    """ui_members_page_by_person naming its tables instead of the aliases m and p the page appends to."""
    (folder / "queries" / "ui_members_page_by_person.sql").write_text(
        "SELECT recipient_list_member.contact_person_id, contact_person.salutation, contact_person.first_name,\n"
        "       contact_person.last_name, contact_person.function, contact_person.email,\n"
        "       recipient_list_member.sync_state, recipient_list_member.sync_error, recipient_list_member.added_at,\n"
        "       recipient_list_member.synced_at, contact_person.changed_at\n"
        "FROM contact_person\n"
        "JOIN recipient_list_member ON recipient_list_member.contact_person_id = contact_person.id\n"
        "WHERE recipient_list_member.list_id = :list_id AND contact_person.tenant_id = :tenant_id\n",
        encoding="utf-8")


def _broken_scratch_insert(folder):
    edit(folder / "queries" / "insert_recipient_list.sql", "INSERT INTO recipient_list\n", "INSERT INTO verteiler\n")


def _staging_renamed_column(folder):
    edit(folder / "queries" / "history_create_staging.postgresql.sql", "external_key text", "fremdschluessel text")


ADAPTERS = {
    "demo": lambda folder: copy_demo(folder),
    "bigint_group": lambda folder: bigint_group_ids(copy_demo(folder, group="integer")),
    "uuid_declared_uuid": lambda folder: uuid_contact_keys(copy_demo(folder, contact="uuid")),
    "uuid_declared_integer": lambda folder: uuid_contact_keys(copy_demo(folder, contact="integer")),
    "page_without_aliases": lambda folder: _no_aliases(copy_demo(folder)),
    "broken_scratch_insert": lambda folder: _broken_scratch_insert(copy_demo(folder)),
    "staging_renamed_column": lambda folder: _staging_renamed_column(copy_demo(folder)),
}


@pytest.fixture
def adapter(request, tmp_path, monkeypatch) -> str:
    """The adapter folder named by the test's parameter, in use (set before the CRM's tables are made)."""
    ADAPTERS[request.param](tmp_path / "adapter")
    monkeypatch.setenv(ADAPTER_DIR_CONF_ENV, str(tmp_path / "adapter"))
    return request.param


@pytest.fixture
def crm_conn(adapter, crm_conn):
    """conftest's CRM database, its tables made from the adapter's ``crm/``."""
    return crm_conn


def check(engine, tenant: str | None) -> dict:
    return AdapterCheck(AdapterCheckStore(engine), tenant).run()


def verdicts(report: dict) -> dict[str, str]:
    return {s["name"]: s["verdict"] for s in report["statements"]}


def problems(report: dict, name: str) -> list[str]:
    return next(s["problems"] for s in report["statements"] if s["name"] == name)


def all_ok(dialect: str) -> dict[str, str]:
    return {s.name: "ok" if s.runs_on(dialect) else "skipped" for s in STATEMENTS}


@pytest.mark.parametrize("adapter", ["bigint_group"], indirect=True)
@pytest.mark.parametrize("tenant", [None, "beta"])  # acme's list; beta has none: a scratch list with a numeric group id
def test_a_numeric_group_id_column_passes_when_declared_integer(adapter, crm_engine, tenant):
    seed(crm_engine, group=1001)
    report = check(crm_engine, tenant)
    assert verdicts(report) == all_ok(crm_engine.dialect.name), report
    assert report["ok"] is True and report["keys"]["group"] == "integer"


@pytest.mark.parametrize("adapter", ["uuid_declared_uuid"], indirect=True)
@pytest.mark.parametrize("tenant", [None, "beta"])
def test_uuid_contact_keys_pass_when_declared_uuid(adapter, crm_engine, tenant):
    seed(crm_engine, uuids=True)
    report = check(crm_engine, tenant)
    assert verdicts(report) == all_ok(crm_engine.dialect.name), report
    assert report["ok"] is True


@pytest.mark.parametrize("adapter", ["uuid_declared_integer"], indirect=True)
def test_uuid_contact_keys_fail_when_declared_integer_and_what_needs_a_contact_is_blocked(adapter, crm_engine):
    seed(crm_engine, uuids=True)
    report = check(crm_engine, "acme")
    found = verdicts(report)
    assert report["ok"] is False
    assert found["history_select_contacts"] == "mismatch"
    (problem,) = problems(report, "history_select_contacts")
    assert problem.startswith("column 'id' ") and problem.endswith("expected contact key integer (adapter.toml [keys])")
    assert ("uuid" if crm_engine.dialect.name == "postgresql" else "uuid text values") in problem
    assert found["members_insert"] == "blocked"
    assert problems(report, "members_insert") == [
        "needs a contact of the tenant; history_select_contacts returns a contact key that is not integer (adapter.toml)"]


@pytest.mark.parametrize("adapter", ["page_without_aliases"], indirect=True)
def test_a_page_statement_without_the_pages_aliases_fails_naming_the_extension(adapter, crm_engine):
    seed(crm_engine)
    report = check(crm_engine, "acme")
    assert {name: v for name, v in verdicts(report).items() if v != "ok" and v != "skipped"} == {
        "ui_members_page_by_person": "failed"}
    found = problems(report, "ui_members_page_by_person")
    assert len(found) == 3  # each sort the page offers on it fails
    assert found[0].startswith("with the page's extension 'state filter, sort person' appended "
                               "(m.sync_state, p.last_name, p.first_name, p.id): ")
    assert report["problems"] == 1 and report["blocked"] == 0


@pytest.mark.parametrize("adapter", ["broken_scratch_insert"], indirect=True)
def test_a_broken_scratch_insert_is_one_failure_and_blocks_what_needs_a_list(adapter, crm_engine):
    seed(crm_engine)
    report = check(crm_engine, "beta")  # no list: every statement on a list needs the scratch list
    dialect = crm_engine.dialect.name
    needs_list = {s.name for s in STATEMENTS if s.runs_on(dialect) and s.uses(SampleRef.LIST)}
    found = verdicts(report)
    assert found["insert_recipient_list"] == "failed"
    assert {name for name, v in found.items() if v == "blocked"} == needs_list
    assert all(problems(report, name) == ["needs a list of the tenant; insert_recipient_list failed"]
               for name in needs_list)
    assert {name for name, v in found.items() if v not in ("ok", "skipped", "blocked")} == {"insert_recipient_list"}
    assert (report["ok"], report["problems"], report["blocked"]) == (False, 1, len(needs_list))
    reports = [StatementReport(s["name"], Verdict(s["verdict"]), tuple(s["problems"])) for s in report["statements"]]
    lines = failure_message(reports).splitlines()
    assert lines[0] == "The CRM adapter does not fit the CRM: 1 statement(s)"
    assert lines[1].startswith("insert_recipient_list: failed: ") and len(lines) == 3
    assert lines[2].startswith(f"blocked by them, not run: {len(needs_list)} statement(s): ")


@pytest.mark.parametrize("adapter", ["staging_renamed_column"], indirect=True)
def test_a_staging_table_without_a_declared_column_is_a_mismatch_and_blocks_its_insert(adapter, crm_engine):
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("the staging table is PostgreSQL's (COPY)")
    seed(crm_engine)
    report = check(crm_engine, "acme")
    found = verdicts(report)
    assert found["history_create_staging"] == "mismatch"
    assert problems(report, "history_create_staging") == [
        "table contact_history_staging: column 'external_key' is missing"]
    assert found["history_insert_from_staging"] == "blocked"
    assert problems(report, "history_insert_from_staging") == [
        "needs the table contact_history_staging; history_create_staging mismatch"]


@pytest.mark.parametrize("adapter", ["demo"], indirect=True)
def test_the_staging_row_is_copied_and_inserted_then_rolled_back(adapter, crm_engine):
    """The check copies a row of the declared columns into the staging table and runs the insert from it;
    a broken insert from staging fails (it ran), and nothing stays."""
    if crm_engine.dialect.name != "postgresql":
        pytest.skip("the staging table is PostgreSQL's (COPY)")
    seed(crm_engine)
    edit(Path(os.environ[ADAPTER_DIR_CONF_ENV]) / "queries" / "history_insert_from_staging.postgresql.sql",
         "SELECT tenant_id, contact_person_id", "SELECT tenant_id, CAST(NULL AS integer)")
    report = check(crm_engine, "acme")
    assert verdicts(report)["history_insert_from_staging"] == "failed"  # the copied row violates NOT NULL
    assert "contact_person_id" in problems(report, "history_insert_from_staging")[0]
    with crm_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM contact_history").scalar_one() == 1
