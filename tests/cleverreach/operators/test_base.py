"""The operators' shared base: argument coercion, the actor, the CRM hook's lifecycle, and who migrates the
private state (the first task of a run) while every other task only checks it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import inspect, text

from cleverreach.crm.migrations import MIGRATION_TABLE, available_migrations, migrate
from cleverreach.crm.state import state_engine_of, state_schema_of
from cleverreach.hooks.crm import CrmHook
from cleverreach.operators.base import CrmOperator, as_bool, optional_text, with_outlet


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("  ", None), (" acme ", "acme"), (42, "42")])
def test_optional_text(value, expected):
    assert optional_text(value) == expected


def test_as_bool_takes_booleans_and_their_text_only():
    assert as_bool(True, "x") is True and as_bool("false", "x") is False and as_bool(" TRUE ", "x") is True
    for bad in ("yes", 1, None):
        with pytest.raises(AirflowFailException, match="x must be true or false"):
            as_bool(bad, "x")


def test_with_outlet_adds_the_alias_once_and_keeps_the_callers_outlets():
    from airflow.sdk import AssetAlias

    alias, mine = AssetAlias("theirs"), AssetAlias("mine")
    assert with_outlet({"task_id": "t"}, alias) == {"task_id": "t", "outlets": [alias]}
    assert with_outlet({"outlets": mine}, alias)["outlets"] == [mine, alias]
    assert with_outlet({"outlets": (mine, alias)}, alias)["outlets"] == [mine, alias]


class _Probe(CrmOperator):
    def execute_with_crm(self, context, engine):
        self.seen_engine = engine
        if context.get("fail"):
            raise RuntimeError("boom")
        return {"dialect": engine.dialect.name}


def _migration_table(engine) -> str:
    state = state_engine_of(engine)
    return f"{state_schema_of(state)}.{MIGRATION_TABLE}" if state_schema_of(state) else MIGRATION_TABLE


def test_the_first_task_migrates_hands_over_and_disposes(crm_conn, crm_engine):
    op = _Probe(task_id="probe", migrate_state=True)
    assert op.execute({}) == {"dialect": "sqlite" if crm_conn["conn_type"] == "sqlite" else "postgresql"}
    assert op.seen_engine.pool.checkedout() == 0
    with crm_engine.connect() as conn:  # the integration's migrations ran
        assert conn.exec_driver_sql(f"SELECT count(*) FROM {_migration_table(crm_engine)}").scalar() > 0


def test_a_task_that_does_not_migrate_only_checks(crm_engine, monkeypatch):
    migrate(crm_engine)
    calls = []
    monkeypatch.setattr(CrmHook, "migrate", lambda self: calls.append("migrate") or [])
    assert _Probe(task_id="probe").execute({})["dialect"]
    assert calls == []


def test_a_task_that_does_not_migrate_refuses_an_unmigrated_state_plainly(crm_engine):
    with pytest.raises(AirflowFailException, match=r"probe: the integration's private state is not migrated "
                                                   r"\(pending: state/0001, .*python -m cleverreach\.crm\.migrate"):
        _Probe(task_id="probe").execute({})
    state = state_engine_of(crm_engine)
    assert MIGRATION_TABLE not in inspect(state).get_table_names(schema=state_schema_of(state))  # it created nothing


def test_a_state_one_migration_behind_is_refused_naming_it(crm_engine):
    migrate(crm_engine)
    last = f"state/{available_migrations()[-1][0]}"
    with crm_engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {_migration_table(crm_engine)} WHERE version = :v"), {"v": last})
    with pytest.raises(AirflowFailException, match=rf"\(pending: {last}\)"):
        _Probe(task_id="probe").execute({})


def test_a_mapped_task_never_migrates_even_when_told_to(crm_engine):
    with pytest.raises(AirflowFailException, match="a mapped task never migrates"):
        _Probe(task_id="probe", migrate_state=True).execute({"ti": SimpleNamespace(map_index=0)})
    state = state_engine_of(crm_engine)
    assert MIGRATION_TABLE not in inspect(state).get_table_names(schema=state_schema_of(state))


def test_the_engine_is_disposed_when_the_work_fails(crm_conn, monkeypatch):
    op = _Probe(task_id="probe", migrate_state=True)
    disposed = []
    monkeypatch.setattr(type(op.crm), "dispose", lambda self: disposed.append(True))
    with pytest.raises(RuntimeError, match="boom"):
        op.execute({"fail": True})
    assert disposed == [True]


def test_actor_is_the_triggering_user_else_the_run():
    from airflow.sdk import DAG

    with DAG("my_dag", schedule=None):
        op = _Probe(task_id="probe")
    by_anna = op.actor({"dag_run": SimpleNamespace(triggering_user_name="anna", run_id="r1")})
    assert (by_anna.name, by_anna.dag_id, by_anna.run_id) == ("user:anna", "my_dag", "r1")
    assert op.actor({"dag_run": SimpleNamespace(triggering_user_name=None, run_id="r1")}).name == "run:my_dag/r1"
    assert op.actor({"run_id": "scheduled__2026-01-01"}).name == "run:my_dag/scheduled__2026-01-01"
    with pytest.raises(ValueError, match="a user or a run"):
        op.actor({})  # never just a DAG name
