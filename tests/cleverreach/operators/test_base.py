"""The operators' shared base: argument coercion, the actor, and the CRM hook's lifecycle."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.operators.base import CrmOperator, as_bool, optional_text


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("  ", None), (" acme ", "acme"), (42, "42")])
def test_optional_text(value, expected):
    assert optional_text(value) == expected


def test_as_bool_takes_booleans_and_their_text_only():
    assert as_bool(True, "x") is True and as_bool("false", "x") is False and as_bool(" TRUE ", "x") is True
    for bad in ("yes", 1, None):
        with pytest.raises(AirflowFailException, match="x must be true or false"):
            as_bool(bad, "x")


class _Probe(CrmOperator):
    def execute_with_crm(self, context, engine):
        self.seen_engine = engine
        if context.get("fail"):
            raise RuntimeError("boom")
        return {"dialect": engine.dialect.name}


def test_the_crm_is_migrated_handed_over_and_disposed(crm_conn):
    op = _Probe(task_id="probe")
    assert op.execute({}) == {"dialect": "sqlite" if crm_conn["conn_type"] == "sqlite" else "postgresql"}
    assert op.seen_engine.pool.checkedout() == 0
    with op.crm.engine.connect() as conn:  # the integration's migrations ran
        assert conn.exec_driver_sql("SELECT count(*) FROM cleverreach_schema_migration").scalar() > 0


def test_the_engine_is_disposed_when_the_work_fails(crm_conn, monkeypatch):
    op = _Probe(task_id="probe")
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
