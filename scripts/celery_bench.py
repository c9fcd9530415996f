"""What the benches on the Celery stack share (``bench_fanout_celery``, ``bench_sync_celery``): the stack with the
emulator and a PostgreSQL CRM, a DAG run triggered and timed through the REST API, and the stack's CPU time."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scripts.airflow_env import REPO, free_port, fresh_postgres_database

WORK = REPO / ".bench" / "scale"
USER, PASSWORD = "admin", "bench-password"


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and its waited-for children (a worker's task processes): user + system."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def stack_cpu(services: Any) -> float:
    """CPU seconds of every live process in the services' sessions: a Celery pool process lives on, so the task
    processes it reaped count in its own children's time, not its parent's."""
    from scripts.celery_stack import session_processes

    return sum(_cpu_s(pid) for pid, _session, _command in session_processes({p.popen.pid for p in services.processes}))


def crm_execute(crm_url: str, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(crm_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), dict(params or {}))
            return [dict(r._mapping) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def run_dag(api: Any, services: Any, dag_id: str, conf: dict, timeout: float) -> dict[str, Any]:
    """Trigger, wait, and report: wall time from the trigger to the run's end, the stack's CPU, the mapped tasks."""
    cpu, started = stack_cpu(services), time.perf_counter()
    run_id = api.trigger(dag_id, conf)
    deadline = time.monotonic() + timeout
    state = api.run_state(dag_id, run_id)
    while state not in ("success", "failed") and time.monotonic() < deadline:
        services.check_alive()
        time.sleep(1)
        state = api.run_state(dag_id, run_id)
    seconds = time.perf_counter() - started
    run = api.get(f"/dags/{dag_id}/dagRuns/{run_id}")
    tis = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)["task_instances"]
    mapped = [t for t in tis if t["map_index"] >= 0]
    spans = [(_when(t["start_date"]), _when(t["end_date"])) for t in mapped if t["start_date"] and t["end_date"]]
    durations = [(end - start).total_seconds() for start, end in spans]
    states: dict[str, int] = {}
    for t in mapped:
        states[t["state"]] = states.get(t["state"], 0) + 1
    others = {t["task_id"]: round(t["duration"] or 0, 1) for t in tis if t["map_index"] < 0}
    run_wall = (_when(run["end_date"]) - _when(run["start_date"])).total_seconds() if run.get("end_date") else None
    return {
        "run_id": run_id, "state": state, "seconds": round(seconds, 1), "run_start_to_end_s": run_wall,
        "stack_cpu_s": round(stack_cpu(services) - cpu, 1), "mapped": len(mapped), "mapped_states": states,
        "task_mean_s": round(statistics.mean(durations), 2) if durations else None,
        "task_max_s": round(max(durations), 2) if durations else None,
        "task_sum_s": round(sum(durations), 1),
        "mapped_span_s": round((max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds(), 1) if spans else None,
        "unmapped_task_s": others,
        "labels": sorted(t.get("rendered_map_index") or str(t["map_index"]) for t in mapped)[:3],
    }


@dataclass
class BenchStack:
    """A running stack: its REST API, its processes, the emulator's and the CRM's URLs."""

    api: Any
    services: Any
    emulator_url: str
    crm_url: str
    env: dict[str, str]  # the stack's environment (its settings among it)
    stack_up_s: float


def postgres_url() -> str:
    return (os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
            or "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def bench_stack(kind: str, *, accounts: list[dict[str, Any]], load_crm: Any, db_prefix: str, redis_db: int,
                workers: Sequence[str] = ("worker-a", "worker-b"), concurrency: int = 2,
                connection_extra: Mapping[str, Any] | None = None,
                settings: Mapping[str, str] | None = None) -> Iterator[BenchStack]:
    """The compose stack's Airflow as processes (``scripts.celery_stack``) in ``.bench/scale/<kind>``, with its own
    databases (``<db_prefix>_meta``, ``<db_prefix>_crm``, filled by ``load_crm(crm_url)``), Redis db ``redis_db``, the
    emulator seeded with ``accounts`` (one connection each) and the DAGs unpaused; stopped and reaped on exit."""
    import redis
    from sqlalchemy import make_url

    from scripts.celery_stack import become_subreaper, celery_environment, kill_sessions, start_stack
    from scripts.local_airflow import Services, http_ok, start_emulator, wait_until
    from tests.helpers.airflow_api import AirflowApi

    work = WORK / kind
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    broker = f"redis://127.0.0.1:6379/{redis_db}"
    redis.Redis.from_url(broker).flushdb()
    meta_url = fresh_postgres_database(postgres_url(), f"{db_prefix}_meta")
    crm_url = fresh_postgres_database(postgres_url(), f"{db_prefix}_crm")
    load_crm(crm_url)

    become_subreaper()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the stack is stopped in the finally below
    services = Services(work / "logs")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW"))}
    try:
        emulator_url = start_emulator(services, {"accounts": accounts}, work / "seed.json", base)
        crm = make_url(crm_url)
        port = free_port()
        env = {
            **base,
            **celery_environment(
                work / "airflow", api_port=port, metadata_url=meta_url, result_backend="db+" + meta_url,
                broker_url=broker, jwt_secret=secrets.token_urlsafe(64),
                crm_connection=json.dumps({"conn_type": "postgres", "host": crm.host, "port": crm.port,
                                           "login": crm.username, "password": crm.password or "", "schema": crm.database}),
            ),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            **{f"AIRFLOW_CONN_CLEVERREACH_{a['client_id'].upper()}": json.dumps({
                "conn_type": "cleverreach", "host": emulator_url, "login": a["client_id"],
                "password": a["client_secret"], **({"extra": dict(connection_extra)} if connection_extra else {})})
               for a in accounts},
            **dict(settings or {}),
        }
        started = time.perf_counter()
        start_stack(services, env, workers, admin=(USER, PASSWORD), concurrency=concurrency)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/api/v2/monitor/health"), timeout=180, what="the API server", services=services)
        api = AirflowApi(url, USER, PASSWORD)
        wanted = {"cleverreach_import_lists", "cleverreach_sync_recipients"}
        wait_until(lambda: wanted <= {d["dag_id"] for d in api.get("/dags", limit=100)["dags"]}, timeout=180,
                   what="the DAGs", services=services, interval=1)
        for dag_id in wanted:
            api.send("PATCH", f"/dags/{dag_id}", {"is_paused": False})
        yield BenchStack(api, services, emulator_url, crm_url, env, round(time.perf_counter() - started, 1))
    finally:
        services.stop(timeout=15)
        kill_sessions({p.popen.pid for p in services.processes})
