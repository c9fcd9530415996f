"""The distributed stack: the compose stack's Airflow as processes (CeleryExecutor, Redis, PostgreSQL).

Started once per module (about a minute) and always torn down: every service runs in a session of its
own; the teardown stops the process groups, kills what is left in the sessions (task processes live in
process groups of their own) and fails when anything of the stack is still alive. Settings: ``docker/airflow.env``
through ``scripts.celery_stack.celery_environment``; on top of it only :data:`TEST_TIMINGS`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from helpers.airflow_api import AirflowApi
from scripts.airflow_env import REPO, free_port, fresh_postgres_database
from scripts.celery_stack import become_subreaper, celery_environment, kill_sessions, leftovers, start_stack
from scripts.local_airflow import ManagedProcess, Services, http_ok, start_emulator, wait_until
from tests.distributed import data

META_DB, CRM_DB, REDIS_DB = "cleverreach_dist_meta", "cleverreach_dist_crm", 7
WORKERS = ("worker-a", "worker-b")
DAG_IDS = ["cleverreach_import_lists", "cleverreach_manage_members", "cleverreach_sync_recipients",
           "cleverreach_sync_mail_history"]
RACE_DAG = Path(__file__).parent / "dags" / "distributed_lease_race.py"
USER, PASSWORD = "admin", "admin-password"
ARTIFACTS = REPO / "artifacts" / "distributed"
# Shorter than production (docker/airflow.env) so that the kill test fits in CI: a dead worker's task is
# found after 30 s instead of 120 s and retried 10 s later instead of 60 s. No scheduled runs: only the
# runs the tests trigger.
TEST_TIMINGS = {
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "10",
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
}


@dataclass
class Stack:
    api: AirflowApi
    services: Services
    env: dict[str, str]
    crm_url: str
    emulator_url: str
    tmp: Path

    def crm_rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        engine = create_engine(self.crm_url)
        try:
            with engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def crm_execute(self, sql: str, rows: list[dict[str, Any]] | dict[str, Any]) -> None:
        engine = create_engine(self.crm_url)
        try:
            with engine.begin() as conn:
                conn.execute(text(sql), rows)
        finally:
            engine.dispose()

    def running(self, name: str) -> ManagedProcess | None:
        """The live process of that name (a killed worker may have been started again)."""
        return next((p for p in reversed(self.services.processes) if p.name == name and p.alive), None)

    def wait(self, dag_id: str, run_id: str, timeout: float = 180, allow: tuple[str, ...] = ("success",),
             killed: tuple[str, ...] = ()) -> str:
        """Wait for the run to finish; fail with its task states unless it ended in ``allow``, or when a
        process other than the ``killed`` ones died."""
        deadline = time.monotonic() + timeout
        state = self.api.run_state(dag_id, run_id)
        while state not in ("success", "failed") and time.monotonic() < deadline:
            dead = [p.name for p in self.services.dead() if p.name not in killed and not self.running(p.name)]
            assert not dead, f"{dead} died:\n{self.services.tails(30)}"
            time.sleep(1)
            state = self.api.run_state(dag_id, run_id)
        if state not in allow:
            tis = sorted(self.api.task_instances(dag_id, run_id), key=lambda t: (t["task_id"], t["map_index"]))
            states = "\n".join(f"  {t['task_id']}[{t['map_index']}] {t['state']} try {t['try_number']} on {t['hostname']}"
                               for t in tis)
            pytest.fail(f"{dag_id} {run_id} ended {state}\n{states}\n{self.services.tails(20)}", pytrace=False)
        return state


def _load_crm(crm_url: str, crm: dict) -> None:
    from cleverreach.crm.migrations import create_crm_tables
    from scripts.demo_data import load_crm

    engine = create_engine(crm_url)
    try:
        create_crm_tables(engine)
        load_crm(engine, crm)
    finally:
        engine.dispose()


def _dags_folder(tmp: Path) -> Path:
    """The project's DAG files plus the test's lease-race DAG, as links in one folder."""
    folder = tmp / "dags"
    folder.mkdir()
    for path in [*sorted((REPO / "dags").glob("*.py")), RACE_DAG]:
        (folder / path.name).symlink_to(path)
    return folder


def _stop(services: Services) -> None:
    """Stop every process group, then kill what left its group (task processes); fail if anything is left."""
    services.stop(timeout=15)
    escaped = kill_sessions({p.popen.pid for p in services.processes})
    if escaped:
        print(f"\nkilled {len(escaped)} processes that had left their process groups: {escaped}")
    left = leftovers(services)
    assert not left, f"processes of the stack still alive after the teardown: {left}"


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    postgres_url = os.environ.get("TEST_POSTGRES_URL")
    if not postgres_url:
        pytest.skip("TEST_POSTGRES_URL is not set: the CeleryExecutor needs PostgreSQL for Airflow's metadata DB")
    import redis

    broker = f"redis://127.0.0.1:6379/{REDIS_DB}"
    try:
        redis.Redis.from_url(broker).flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at 127.0.0.1:6379: {exc}")

    become_subreaper()
    tmp = tmp_path_factory.mktemp("distributed")
    services = Services(tmp / "logs")
    request.addfinalizer(lambda: _stop(services))  # also when the set-up below fails
    started = time.monotonic()

    meta_url = fresh_postgres_database(postgres_url, META_DB)
    crm_url = fresh_postgres_database(postgres_url, CRM_DB)
    crm = data.build_crm()
    _load_crm(crm_url, crm)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW"))}
    emulator_url = start_emulator(services, data.build_seed(crm), tmp / "seed.json", base)

    crm_fields = make_url(crm_url)
    port = free_port()
    env = {
        **base,
        **celery_environment(
            tmp / "airflow", api_port=port, metadata_url=meta_url,
            result_backend="db+" + meta_url,  # db+postgresql+psycopg2://, as docker-compose.yaml
            broker_url=broker, jwt_secret=secrets.token_urlsafe(64),
            crm_connection=json.dumps({"conn_type": "postgres", "host": crm_fields.host, "port": crm_fields.port,
                                       "login": crm_fields.username, "password": crm_fields.password or "",
                                       "schema": CRM_DB}),
            dags_folder=_dags_folder(tmp),
        ),
        **TEST_TIMINGS,
        **data.connections(emulator_url),
    }
    start_stack(services, env, WORKERS, admin=(USER, PASSWORD), concurrency=2)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ok(f"{url}/api/v2/monitor/health"), timeout=120, what="the API server", services=services)
    api = AirflowApi(url, USER, PASSWORD)
    wanted = {*DAG_IDS, "distributed_lease_race"}

    def parsed() -> bool:
        return wanted <= {d["dag_id"] for d in api.get("/dags", limit=100)["dags"]}

    wait_until(parsed, timeout=120, what=f"the DAGs {sorted(wanted)}", services=services, interval=1)
    for dag_id in wanted:  # paused at creation, as in the compose stack
        api.send("PATCH", f"/dags/{dag_id}", {"is_paused": False})
    print(f"\ndistributed stack up in {time.monotonic() - started:.0f} s: {url}, logs {services.log_dir}")
    try:
        yield Stack(api, services, env, crm_url, emulator_url, tmp)
    finally:
        if request.session.testsfailed:
            print("\n" + services.tails(40))
        logs = ARTIFACTS / "logs"
        shutil.rmtree(logs, ignore_errors=True)
        shutil.copytree(services.log_dir, logs, dirs_exist_ok=True)

