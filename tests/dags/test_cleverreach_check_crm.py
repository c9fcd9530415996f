"""cleverreach_check_crm through Airflow: the shipped adapter fits the demo CRM, a broken one is
reported statement by statement, nothing the check runs stays in the CRM, and no personal data is logged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.check_adapters import bigint_group_ids, copy_demo, seed
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.crm_check.contract import SampleRef
from cleverreach.crm_check.manifest import STATEMENTS

pytestmark = pytest.mark.usefixtures("airflow_db")

DAG_ID = "cleverreach_check_crm"
SHIPPED = Path(__file__).resolve().parents[2] / "include" / "sql"
PERSONAL = ("anna@example.org", "Anna", "Sommer", "ben@example.org")


@pytest.fixture
def crm(crm_engine):
    """Two tenants; acme has a list with two members (one synced), three contacts (one without a
    valid e-mail, flagged "no marketing") and a history row; beta has one contact and nothing else."""
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    add_addresses(crm_engine, [{"id": 10, "tenant_id": "acme", "name": "Sommer GmbH", "category": "Kunde"}])
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "address_id": 10, "email": "anna@example.org", "first_name": "Anna",
         "last_name": "Sommer"},
        {"id": 2, "tenant_id": "acme", "email": "ben@example.org"},
        {"id": 3, "tenant_id": "acme", "email": "not an address"},
        {"id": 9, "tenant_id": "beta", "email": "other@example.org"},
    ])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                          "VALUES ('acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))  # id 1, from the identity
        conn.execute(text("INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, source, "
                          "external_key) VALUES ('acme', 1, CURRENT_TIMESTAMP, 'mail_sent', 'cleverreach', 'm1/c1/mail_sent')"))
        conn.execute(text("UPDATE contact_person SET no_marketing = true WHERE id = 3"))
    add_members(crm_engine, 1, [1])
    add_members(crm_engine, 1, [2], sync_state="synced")
    return crm_engine


def snapshot(engine) -> dict[str, list[dict]]:
    return {table: fetch(engine, f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in ("recipient_list", "recipient_list_member", "contact_history", "recipient_list_translation")}


def verdicts(report: dict) -> dict[str, str]:
    return {s["name"]: s["verdict"] for s in report["statements"]}


def test_the_shipped_adapter_fits_and_the_check_leaves_no_trace(crm, capfd, caplog):
    before = snapshot(crm)
    result = run_dag(DAG_ID, {"tenant": None})
    assert result.state == "success", result
    report = result.value("check_adapter")
    dialect = crm.dialect.name
    expected = {s.name: "ok" if s.runs_on(dialect) else "skipped" for s in STATEMENTS}
    assert verdicts(report) == expected
    assert report["ok"] is True and report["problems"] == 0
    assert report["tenants"] == {
        "acme": {"contacts": 3, "contacts_with_valid_email": 2, "contacts_withdrawn": 1, "lists": 1,
                 "members": {"pending": 1, "synced": 1}, "history_rows": 1},
        "beta": {"contacts": 1, "contacts_with_valid_email": 1, "contacts_withdrawn": 0, "lists": 0, "members": {}, "history_rows": 0},
    }
    assert result.value("verdict") == {"ok": True, "statements_ok": sum(v == "ok" for v in expected.values())}
    assert snapshot(crm) == before  # every write was rolled back
    logged = capfd.readouterr().out + caplog.text
    assert "Statement sync_select_members: ok" in logged
    for value in PERSONAL:
        assert value not in logged


def test_a_tenant_without_lists_is_checked_on_a_scratch_list_that_is_rolled_back(crm):
    before = snapshot(crm)
    result = run_dag(DAG_ID, {"tenant": "beta"})
    assert result.state == "success", result
    report = result.value("check_adapter")
    assert list(report["tenants"]) == ["beta"]
    assert verdicts(report)["members_insert"] == "ok" and verdicts(report)["lists_upsert_translation"] == "ok"
    assert snapshot(crm) == before


def test_a_broken_adapter_is_reported_statement_by_statement(crm, tmp_path, monkeypatch, capfd, caplog):
    adapter = tmp_path / "adapter"
    shutil.copytree(SHIPPED, adapter)
    queries = adapter / "queries"
    members = queries / "sync_select_members.sql"
    members.write_text(members.read_text(encoding="utf-8").replace("a.name AS company", "a.name AS firma"),
                       encoding="utf-8")
    (queries / "ui_contact_select.sql").unlink()
    (queries / "members_select_vocabulary.sql").write_text(
        "SELECT 'tag' AS kind, t.schlagwort AS value FROM adresse_schlagwort t WHERE t.mandant = :tenant_id\n",
        encoding="utf-8")
    types = queries / "ui_members_counts.sql"  # the count as text: a type the code does not expect
    types.write_text("SELECT sync_state, CAST(count(*) AS text) AS n FROM recipient_list_member "
                     "WHERE list_id = :list_id GROUP BY sync_state;\n", encoding="utf-8")
    (queries / "my_own_report.sql").write_text("SELECT 1 AS one;\n", encoding="utf-8")
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR", str(adapter))

    result = run_dag(DAG_ID, {"tenant": "acme"})

    assert result.state == "failed", result
    assert result.states("check_adapter") == ["success"] and result.states("verdict") == ["failed"]
    report = result.value("check_adapter")
    found = {s["name"]: s for s in report["statements"]}
    assert report["ok"] is False and report["problems"] == 4
    assert found["sync_select_members"]["verdict"] == "mismatch"
    assert found["sync_select_members"]["problems"] == ["column 'company' is missing"]
    assert found["ui_contact_select"]["verdict"] == "missing"
    assert found["members_select_vocabulary"]["verdict"] == "failed"
    assert "adresse_schlagwort" in found["members_select_vocabulary"]["problems"][0]
    assert found["ui_members_counts"]["verdict"] == "mismatch"
    assert "'n'" in found["ui_members_counts"]["problems"][0] and "expected integer" in found["ui_members_counts"]["problems"][0]
    assert found["my_own_report"]["verdict"] == "unknown"
    assert found["select_tenants"]["verdict"] == "ok" and found["members_insert"]["verdict"] == "ok"
    logged = capfd.readouterr().out + caplog.text
    for line in ("sync_select_members: mismatch: column 'company' is missing", "ui_contact_select: missing",
                 "members_select_vocabulary: failed", "ui_members_counts: mismatch"):
        assert line in logged
    for value in PERSONAL:
        assert value not in logged


@pytest.fixture
def bigint_group_crm(tmp_path, monkeypatch):
    """A copy of the demo adapter whose CRM keeps CleverReach's group id in a bigint column (declared
    ``group = "integer"``), its tables made from that copy; acme has a list, beta none."""
    folder = copy_demo(tmp_path / "adapter", group="integer")
    bigint_group_ids(folder)
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR", str(folder))
    return folder


def test_a_numeric_group_id_column_passes(bigint_group_crm, crm_engine):
    migrate(crm_engine)
    seed(crm_engine, group=1001)
    for tenant in (None, "beta"):  # beta has no list: the scratch list gets a numeric group id
        result = run_dag(DAG_ID, {"tenant": tenant})
        assert result.state == "success", result
        report = result.value("check_adapter")
        assert verdicts(report) == {s.name: "ok" if s.runs_on(crm_engine.dialect.name) else "skipped"
                                    for s in STATEMENTS}


def test_a_broken_scratch_insert_is_reported_once_and_blocks_the_rest(crm, tmp_path, monkeypatch, capfd, caplog):
    adapter = tmp_path / "adapter"
    shutil.copytree(SHIPPED, adapter)
    insert = adapter / "queries" / "insert_recipient_list.sql"
    insert.write_text(insert.read_text(encoding="utf-8").replace("INSERT INTO recipient_list\n", "INSERT INTO verteiler\n"),
                      encoding="utf-8")
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR", str(adapter))

    result = run_dag(DAG_ID, {"tenant": "beta"})  # beta has no list

    assert result.state == "failed", result
    assert result.states("verdict") == ["failed"]
    report = result.value("check_adapter")
    needs_list = [s.name for s in STATEMENTS if s.runs_on(crm.dialect.name) and s.uses(SampleRef.LIST)]
    assert (report["problems"], report["blocked"]) == (1, len(needs_list))
    logged = capfd.readouterr().out + caplog.text
    assert "The CRM adapter does not fit the CRM: 1 statement(s)" in logged
    assert f"blocked by them, not run: {len(needs_list)} statement(s): {', '.join(needs_list)}" in logged
    assert "Statement members_insert: blocked (needs a list of the tenant; insert_recipient_list failed)" in logged
