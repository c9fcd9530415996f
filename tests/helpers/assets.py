"""A customer's DAG scheduled on the provider's assets, and the asset events and queue rows Airflow stored."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any


def add_consumer_dags(folder: Path, schedules: dict[str, str]) -> None:
    """Write, parse and save (unpaused) one DAG per ``dag_id: schedule expression`` as a customer would, each
    in a file of its own outside the project's DAGs folder; the expressions may use ``Asset`` and ``AssetAlias``.
    Whatever an earlier test queued for them is dropped."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.models.asset import AssetDagRunQueue
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import delete, update

    folder.mkdir(parents=True, exist_ok=True)
    for dag_id, schedule in schedules.items():
        (folder / f"{dag_id}.py").write_text(textwrap.dedent(f"""\
            from airflow.sdk import Asset, AssetAlias, dag, task

            @dag(dag_id={dag_id!r}, schedule={schedule})
            def consumer():
                @task
                def read(): ...
                read()

            consumer()
        """))
    bag = DagBag(dag_folder=str(folder))
    assert not bag.import_errors, bag.import_errors
    assert set(bag.dags) == set(schedules)
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(list(schedules))).values(is_paused=False))
        session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id.in_(list(schedules))))


def asset_events(run_id: str) -> list[dict[str, Any]]:
    """The asset events of one DAG run: uri, extra, the task and map index, and the aliases they came through."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetEvent, AssetModel.uri).join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == run_id).order_by(AssetEvent.id)
        ).all()
        return [{"uri": uri, "extra": dict(event.extra or {}), "task_id": event.source_task_id,
                 "map_index": event.source_map_index, "aliases": sorted(a.name for a in event.source_aliases)}
                for event, uri in rows]


def queued_for(dag_id: str) -> list[str]:
    """The URIs of the assets whose events wait to trigger ``dag_id`` (``asset_dag_run_queue``)."""
    from airflow.models.asset import AssetDagRunQueue, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return sorted(session.scalars(
            select(AssetModel.uri).join(AssetDagRunQueue, AssetDagRunQueue.asset_id == AssetModel.id)
            .where(AssetDagRunQueue.target_dag_id == dag_id)
        ).all())
