"""The one-off adoption of a deployment from release 0.1, whose private tables lived among the CRM's: as a function
and as ``python -m cleverreach.crm.adopt_legacy``. No row is lost, it runs once, and ``migrate`` works after it."""

from __future__ import annotations

import pytest
from helpers.crm_seed import fetch
from helpers.release_0_1 import install_release_0_1
from sqlalchemy import Engine, inspect, text

from cleverreach.crm.adopt_legacy import adopt, main
from cleverreach.crm.legacy import ADOPTED, LEGACY_TABLES, REQUIRED_LEGACY
from cleverreach.crm.migrations import MIGRATION_TABLE, available_migrations, migrate
from cleverreach.crm.state import state_engine_of, state_schema_of
from cleverreach.exceptions import CleverReachConfigError

PRIVATE_TABLES = {*LEGACY_TABLES, MIGRATION_TABLE, "audit_event"}
CRM_TABLES = {"tenant", "address", "address_tag", "address_sales_process", "contact_person", "recipient_list",
              "recipient_list_translation", "recipient_list_member", "contact_history"}
ALL_APPLIED = [*(f"state/{v}" for v, _ in available_migrations()), ADOPTED]


def _name(state: Engine, table: str) -> str:
    schema = state_schema_of(state)
    return f"{schema}.{table}" if schema else table


def _crm_tables(engine: Engine) -> set[str]:
    found = inspect(engine)
    return set(found.get_table_names(schema=found.default_schema_name))


def _assert_adopted(engine: Engine) -> None:
    state = state_engine_of(engine)
    rows = fetch(state, "SELECT id, status, added FROM " + _name(state, "sync_run"))
    assert [(r["id"], r["status"], r["added"]) for r in rows] == [(41, "success", 2)]
    assert fetch(state, "SELECT email FROM " + _name(state, "sync_change"))[0]["email"] == "x@example.org"
    assert fetch(state, "SELECT finished_until FROM " + _name(state, "mail_history_watermark"))[0]["finished_until"] == 1700000000
    # the list's key is text since state/0004, in whatever order adoption and the chain ran
    assert {type(r["list_id"]) for r in fetch(state, "SELECT list_id FROM " + _name(state, "mail_history_watermark"))} == {str}
    assert {type(r["list_id"]) for r in fetch(state, "SELECT list_id FROM " + _name(state, "sync_change"))} == {str}
    for fk in inspect(state).get_foreign_keys("mail_history_watermark", schema=state_schema_of(state)):
        assert fk["referred_table"] in PRIVATE_TABLES
    with state.begin() as conn:  # the identity goes on after the adopted ids
        new_id = conn.execute(text(f"INSERT INTO {_name(state, 'sync_run')} (tenant_id, started_at, status) "
                                   "VALUES ('a', CURRENT_TIMESTAMP, 'success') RETURNING id")).scalar_one()
    assert new_id > 41
    versions = {r["version"] for r in fetch(state, "SELECT version FROM " + _name(state, MIGRATION_TABLE))}
    assert ADOPTED in versions and "state/0001" in versions
    assert adopt(engine) == []  # once
    assert migrate(engine) == []  # and the tasks' migrate no longer refuses


def test_release_0_1_is_adopted_in_the_same_database(crm_engine):
    install_release_0_1(crm_engine)
    assert adopt(crm_engine) == ALL_APPLIED
    _assert_adopted(crm_engine)
    if crm_engine.dialect.name == "postgresql":  # moved out of the CRM's schema, which keeps only the CRM
        assert _crm_tables(crm_engine) == CRM_TABLES
    else:
        assert not any(t.startswith("cleverreach_legacy_") for t in _crm_tables(crm_engine))


def test_release_0_1_is_copied_into_a_state_connection_of_its_own(crm_engine, separate_state):
    install_release_0_1(crm_engine)
    assert adopt(separate_state) == ALL_APPLIED
    _assert_adopted(separate_state)
    # the CRM keeps the old copies for the DBA to drop (the README names them)
    assert set(LEGACY_TABLES) <= _crm_tables(crm_engine)


def test_an_incomplete_release_0_1_is_refused_with_what_to_do(crm_engine):
    install_release_0_1(crm_engine, versions=REQUIRED_LEGACY[:5])
    with pytest.raises(CleverReachConfigError, match="run any DAG of release 0.1 once"):
        adopt(crm_engine)


def test_a_crm_without_release_0_1_has_nothing_to_adopt(crm_engine):
    assert adopt(crm_engine) == []
    migrate(crm_engine)
    assert adopt(crm_engine) == []


# ---------------------------------------------------------------------- the command
def test_the_command_adopts_once_then_finds_nothing(crm_engine, capsys):
    install_release_0_1(crm_engine)
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == f"Adopted the private state of release 0.1; applied: {', '.join(ALL_APPLIED)}"
    _assert_adopted(crm_engine)
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == "Nothing to adopt: the CRM holds no un-adopted tables of release 0.1"


def test_the_command_reports_a_refusal_in_one_line(crm_engine, capsys):
    install_release_0_1(crm_engine, versions=REQUIRED_LEGACY[:5])
    assert main(["--conn-id", "hyperspace_crm"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the CRM holds the integration's tables of release 0.1 without its migrations")
    assert "Traceback" not in err
    assert [r["id"] for r in fetch(crm_engine, "SELECT id FROM sync_run")] == [41]
