"""`make bench` kind ``fanout-celery``: 200 tenants x 3 lists x 20 members on the Celery stack (issue 22 part 4).

The compose stack's Airflow as processes (``scripts.celery_stack``: CeleryExecutor, Redis, PostgreSQL, two
workers), the emulator, a PostgreSQL CRM. It imports every tenant's groups, gives every list the tenant's
members, triggers the sync of all tenants and reports the wall time from the trigger to the run's end, the
mapped tasks' times and the stack's CPU time; then deletes one list's group in the emulator and syncs again, to
show that the others finish while the run turns red. Timings are measured and reported, never asserted.

``fanout-celery`` uses ``[cleverreach] lists_per_task`` as configured (its default); ``fanout-celery-per-list``
sets it to 1, one task per list as before batching. Its own databases (``BENCH_FANOUT_DB_PREFIX``, default
``h_fanout_bench``: ``<prefix>_meta`` and ``<prefix>_crm`` on ``BENCH_POSTGRES_URL``/``TEST_POSTGRES_URL``), Redis db
``BENCH_FANOUT_REDIS_DB`` (11) and free ports: never the distributed test's. ``BENCH_FANOUT_IMPORT=0`` writes the
lists into the CRM as the import would (ids and group ids) instead of running the import DAG;
``BENCH_FANOUT_FAILING=0`` leaves out the run with a deleted group.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from scripts.airflow_env import REPO, free_port, fresh_postgres_database

WORK = REPO / ".bench" / "scale"
USER, PASSWORD = "admin", "bench-password"
MEMBERS = 20
STATE_SCHEMA = "cleverreach"  # the integration's private state on a PostgreSQL CRM (its default state schema)


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and its waited-for children (a worker's task processes): user + system."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def _stack_cpu(services: Any) -> float:
    """CPU seconds of every live process in the services' sessions: a Celery pool process lives on, so the task
    processes it reaped count in its own children's time, not its parent's."""
    from scripts.celery_stack import session_processes

    return sum(_cpu_s(pid) for pid, _session, _command in session_processes({p.popen.pid for p in services.processes}))


def _load_crm(crm_url: str, tenants: list[str]) -> None:
    from sqlalchemy import create_engine, text

    from cleverreach.crm.migrations import create_crm_tables

    engine = create_engine(crm_url)
    try:
        create_crm_tables(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO tenant (id, name) VALUES (:id, :id)"), [{"id": t} for t in tenants])
            conn.execute(text("INSERT INTO address (id, tenant_id, name) VALUES (:id, :t, 'Bench AG')"),
                         [{"id": n * 1000, "t": t} for n, t in enumerate(tenants, 1)])
            conn.execute(text("INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, "
                              "email) VALUES (:id, :t, :a, 'Frau', 'Erika', :last, :email)"),
                         [{"id": n * 1000 + i, "t": t, "a": n * 1000, "last": f"Muster{i}",
                           "email": f"member{i}@{t}.example"}
                          for n, t in enumerate(tenants, 1) for i in range(1, MEMBERS + 1)])
    finally:
        engine.dispose()


def _crm_execute(crm_url: str, sql: str) -> list[dict[str, Any]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(crm_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return [dict(r._mapping) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _run(api: Any, services: Any, dag_id: str, conf: dict, timeout: float) -> dict[str, Any]:
    """Trigger, wait, and report: wall time from the trigger to the run's end, the stack's CPU, the mapped tasks."""
    cpu, started = _stack_cpu(services), time.perf_counter()
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
        "stack_cpu_s": round(_stack_cpu(services) - cpu, 1), "mapped": len(mapped), "mapped_states": states,
        "task_mean_s": round(statistics.mean(durations), 2) if durations else None,
        "task_max_s": round(max(durations), 2) if durations else None,
        "task_sum_s": round(sum(durations), 1),
        "mapped_span_s": round((max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds(), 1) if spans else None,
        "unmapped_task_s": others,
        "labels": sorted(t.get("rendered_map_index") or str(t["map_index"]) for t in mapped)[:3],
    }


def bench_fanout_celery(tenants: int, lists: int = 3, lists_per_task: int | None = None,
                        failing_run: bool = True) -> dict[str, Any]:
    """See the module."""
    import redis
    from sqlalchemy import make_url

    from cleverreach_emulator import EmulatorClient
    from scripts.celery_stack import become_subreaper, celery_environment, kill_sessions, start_stack
    from scripts.local_airflow import Services, http_ok, start_emulator, wait_until
    from tests.helpers.airflow_api import AirflowApi

    kind = "fanout-celery" if lists_per_task is None else f"fanout-celery-{lists_per_task}"
    work = WORK / kind
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    postgres = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    prefix = os.environ.get("BENCH_FANOUT_DB_PREFIX", "h_fanout_bench")
    redis_db = int(os.environ.get("BENCH_FANOUT_REDIS_DB", "11"))
    broker = f"redis://127.0.0.1:6379/{redis_db}"
    redis.Redis.from_url(broker).flushdb()
    meta_url = fresh_postgres_database(postgres, f"{prefix}_meta")
    crm_url = fresh_postgres_database(postgres, f"{prefix}_crm")
    ids = [f"t{n:03d}" for n in range(1, tenants + 1)]
    _load_crm(crm_url, ids)

    become_subreaper()
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the stack is stopped in the finally below
    services = Services(work / "logs")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW"))}
    accounts = [{"client_id": t, "client_secret": f"{t}-secret-123", "name": t,
                 "groups": [{"id": str(n * 10 + g), "name": f"Liste {g}"} for g in range(1, lists + 1)]}
                for n, t in enumerate(ids, 1)]
    out: dict[str, Any] = {"bench": kind, "n": tenants, "lists": tenants * lists, "members_per_list": MEMBERS}
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
            **{f"AIRFLOW_CONN_CLEVERREACH_{t.upper()}": json.dumps({
                "conn_type": "cleverreach", "host": emulator_url, "login": t, "password": f"{t}-secret-123"})
               for t in ids},
        }
        if lists_per_task is not None:
            env["AIRFLOW__CLEVERREACH__LISTS_PER_TASK"] = str(lists_per_task)
        out["settings"] = {k.split("__")[-1].lower(): env.get(k) for k in (
            "AIRFLOW__CLEVERREACH__LISTS_PER_TASK", "AIRFLOW__CLEVERREACH__TENANT_PARALLELISM",
            "AIRFLOW__CLEVERREACH__API_POOL_SLOTS", "AIRFLOW__CORE__PARALLELISM")}
        out["settings"]["workers"] = "2 x concurrency 2"
        started = time.perf_counter()
        start_stack(services, env, ("worker-a", "worker-b"), admin=(USER, PASSWORD), concurrency=2)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/api/v2/monitor/health"), timeout=180, what="the API server", services=services)
        api = AirflowApi(url, USER, PASSWORD)
        wanted = {"cleverreach_import_lists", "cleverreach_sync_recipients"}
        wait_until(lambda: wanted <= {d["dag_id"] for d in api.get("/dags", limit=100)["dags"]}, timeout=180,
                   what="the DAGs", services=services, interval=1)
        for dag_id in wanted:
            api.send("PATCH", f"/dags/{dag_id}", {"is_paused": False})
        out["stack_up_s"] = round(time.perf_counter() - started, 1)

        if os.environ.get("BENCH_FANOUT_IMPORT", "1") == "0":  # the lists as the import makes them, without its run
            _crm_execute(crm_url, "INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES "
                         + ", ".join(f"({n * 10 + g}, '{t}', '{n * 10 + g}', 'Liste {g}', CURRENT_TIMESTAMP)"
                                     for n, t in enumerate(ids, 1) for g in range(1, lists + 1)))
        else:
            out["import"] = _run(api, services, "cleverreach_import_lists", {"tenant": None}, 3600)
        _crm_execute(crm_url, "INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                              "SELECT l.id, c.id, CURRENT_TIMESTAMP FROM recipient_list l "
                              "JOIN contact_person c ON c.tenant_id = l.tenant_id")
        with EmulatorClient(emulator_url, timeout=120) as client:
            client.clear_requests()
            out["sync"] = _run(api, services, "cleverreach_sync_recipients", {"tenant": None}, 3600)
            out["sync"]["api_calls"] = client.counters()["reads"] + client.counters()["writes"]
            out["sync"]["receivers"] = sum(len(client.group_receivers(str(n * 10 + g)))
                                           for n in (1, tenants) for g in range(1, lists + 1))
            if failing_run and os.environ.get("BENCH_FANOUT_FAILING", "1") != "0":
                # one list's group deleted: its sync fails (the group is confirmed gone), every other list syncs
                client.delete_group(ids[0], "12")
                out["failing"] = _run(api, services, "cleverreach_sync_recipients", {"tenant": None}, 3600)
                rows = _crm_execute(crm_url, f"SELECT status, count(*) AS n FROM {STATE_SCHEMA}.sync_run WHERE run_id = "
                                             f"'{out['failing']['run_id']}' GROUP BY status")
                out["failing"]["sync_runs"] = {r["status"]: r["n"] for r in rows}
                out["failing"]["lists_gone"] = len(_crm_execute(
                    crm_url, "SELECT id FROM recipient_list WHERE remote_deleted_at IS NOT NULL"))
    finally:
        services.stop(timeout=15)
        kill_sessions({p.popen.pid for p in services.processes})
    sync = out.get("sync", {})
    out["seconds"] = sync.get("seconds")
    out["peak_rss_mb"] = 0
    out["notes"] = (f"sync of {out['lists']} lists {sync.get('state')} in {sync.get('seconds')} s from trigger to end "
                    f"({sync.get('mapped')} mapped tasks, mean {sync.get('task_mean_s')} s, stack CPU "
                    f"{sync.get('stack_cpu_s')} s); import {out.get('import', {}).get('seconds')} s; "
                    + (f"with one group deleted: {out['failing']['state']}, tasks {out['failing']['mapped_states']}, "
                       f"sync_runs {out['failing'].get('sync_runs')}" if "failing" in out else ""))
    return out


KINDS = {"fanout-celery": bench_fanout_celery,
         "fanout-celery-per-list": lambda n: bench_fanout_celery(n, lists_per_task=1, failing_run=False)}
PLANS = [("fanout-celery", 200)]
