"""Run a project DAG through Airflow (``dag.test()``) and read back task states and return values.

Shared by the tests, the demo and the benchmarks; Airflow must be configured (AIRFLOW_HOME, DAGS_FOLDER,
a migrated metadata DB) before this module is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DAGS = Path(__file__).resolve().parents[1] / "dags"


def get_dag(dag_id: str):
    """A freshly parsed DAG: ``dag.test()`` folds the run's conf into the DAG object's params, so a
    DAG object must not be reused across runs. Only its own file is parsed (``dags/<dag_id>.py``, the
    project's naming) where it has one, not the whole folder again for every run; tests/dags/test_dag_integrity.py
    parses the folder."""
    from airflow.dag_processing.dagbag import DagBag

    own_file = DAGS / f"{dag_id}.py"
    bag = DagBag(dag_folder=str(own_file if own_file.exists() else DAGS))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


@dataclass
class DagRunResult:
    state: str
    run_id: str
    task_states: dict[str, list[str]] = field(default_factory=dict)  # task_id -> states by map index
    returns: dict[str, list[Any]] = field(default_factory=dict)  # task_id -> return values by map index

    def states(self, task_id: str) -> list[str]:
        return self.task_states.get(task_id, [])

    def value(self, task_id: str, map_index: int = -1) -> Any:
        values = self.returns.get(task_id, [])
        return values[0] if map_index == -1 and len(values) == 1 else values


def manual_run_id(logical_date: datetime) -> str:
    """The id ``dag.test()`` gives the run of this logical date (which :func:`run_dag` makes its ``run_after`` too)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.types import DagRunType

    return DagRun.generate_run_id(run_type=DagRunType.MANUAL, logical_date=logical_date, run_after=logical_date)


def run_dag(dag_id: str, conf: dict[str, Any] | None = None, logical_date: datetime | None = None) -> DagRunResult:
    """Run the DAG once with ``conf`` as its params; tasks run in this process against real services.
    ``logical_date`` fixes the run's id (:func:`manual_run_id`), e.g. to bind something to the run before it runs."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dag = get_dag(dag_id)
    dr = dag.test(run_conf=conf or {}, **({"logical_date": logical_date, "run_after": logical_date} if logical_date else {}))
    with create_session() as session:
        from airflow.models.taskinstance import TaskInstance

        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == dr.run_id)
        ).all()
        states: dict[str, list[str]] = {}
        for ti in sorted(tis, key=lambda t: (t.task_id, t.map_index)):
            states.setdefault(ti.task_id, []).append(str(ti.state))
        rows = session.scalars(
            XComModel.get_many(run_id=dr.run_id, dag_ids=dag_id, key="return_value")
        ).all()
        returns: dict[str, list[Any]] = {}
        for row in sorted(rows, key=lambda r: (r.task_id, r.map_index)):
            returns.setdefault(row.task_id, []).append(XComModel.deserialize_value(row))
    return DagRunResult(str(dr.state), dr.run_id, states, returns)
