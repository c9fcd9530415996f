"""Test-only DAG of the distributed test: two syncs of the same list at once, one on each Celery worker.

Each task goes to the queue of one worker (every worker of the test also listens on a queue named
after itself), so the two attempts really run in two processes on two workers. No retries: the test
looks at what the lease does, not at what a retry would do afterwards.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag

from cleverreach.operators.sync_recipients import CleverReachSyncListOperator

WORKERS = ("worker-a", "worker-b")


@dag(
    dag_id="distributed_lease_race",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    params={"tenant": Param(type="string"), "list_id": Param(type="integer")},
)
def distributed_lease_race():
    for worker in WORKERS:
        CleverReachSyncListOperator(
            task_id=f"sync_on_{worker.replace('-', '_')}",
            queue=worker,
            retries=0,
            tenant_id="{{ params.tenant }}",
            cleverreach_conn_id="cleverreach_{{ params.tenant }}",
            list_id="{{ params.list_id }}",
        )


distributed_lease_race()
