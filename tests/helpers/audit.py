"""Reading the audit trail in DAG tests: the events, and the actor a run's tasks must have recorded."""

from __future__ import annotations

import json
from typing import Any

from helpers.crm_seed import fetch


def audit_events(engine: Any, action_prefix: str = "") -> list[dict[str, Any]]:
    """The events in the order they were written (optionally of one family: ``"sync_"``), detail parsed."""
    rows = fetch(engine, "SELECT * FROM audit_event ORDER BY id")
    return [{**row, "detail": json.loads(row["detail"])} for row in rows if row["action"].startswith(action_prefix)]


def run_actor(dag_id: str, run_id: str) -> str:
    """What the rule says for this DAG run: its triggering user (``dag.test()`` runs as "dag_test"), else the run."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        user = session.scalar(select(DagRun.triggering_user_name).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    return f"user:{user}" if user else f"run:{dag_id}/{run_id}"
