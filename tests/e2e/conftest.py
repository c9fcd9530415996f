"""The end-to-end stack: real Airflow processes on loopback, a PostgreSQL metadata DB, the emulator, a SQLite CRM.

Started once per session (it takes about 30 s) and always torn down, process group by process group.
Every process gets the same environment (``scripts.airflow_env.airflow_services_environment``): its own
AIRFLOW_HOME in a temporary folder, the LocalExecutor, the metadata DB ``cleverreach_e2e_meta`` on the
server of ``TEST_POSTGRES_URL`` (dropped and created fresh), the API server on a free port, one JWT
secret, and the connections as ``AIRFLOW_CONN_*`` variables. The processes' output goes to
``<tmp>/logs/<name>.log``; on a failure their tails are printed, and the logs are copied to
``artifacts/e2e/logs/``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from scripts.airflow_env import REPO, airflow_services_environment, free_port
from scripts.local_airflow import (
    Services,
    airflow_argv,
    build_demo_crm,
    clean_base_environment,
    demo_connections,
    http_ok,
    start_airflow,
    start_emulator,
    wait_until,
    write_passwords_file,
)

ARTIFACTS = REPO / "artifacts" / "e2e"
META_DB = "cleverreach_e2e_meta"
USER, PASSWORD = "admin", "admin"
DAG_IDS = ["cleverreach_import_lists", "cleverreach_manage_members", "cleverreach_sync_recipients"]
if (REPO / "dags" / "cleverreach_sync_mail_history.py").exists():
    DAG_IDS.append("cleverreach_sync_mail_history")


def _fresh_metadata_db(postgres_url: str) -> str:
    """Drop and create ``cleverreach_e2e_meta`` on the test server; returns its SQLAlchemy URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(postgres_url).set(drivername="postgresql+psycopg2")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{META_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{META_DB}"'))
    finally:
        engine.dispose()
    return url.set(database=META_DB).render_as_string(hide_password=False)


class AirflowApi:
    """The REST API v2 with a JWT from ``POST /auth/token``."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        self.session = requests.Session()
        resp = requests.post(f"{url}/auth/token", json={"username": username, "password": password}, timeout=30)
        resp.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        resp = self.session.get(f"{self.url}/api/v2{path}", params=params, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def post(self, path: str, body: dict) -> Any:
        resp = self.session.post(f"{self.url}/api/v2{path}", json=body, timeout=30)
        assert resp.status_code in (200, 201), f"POST {path}: {resp.status_code} {resp.text}"
        return resp.json()

    def trigger(self, dag_id: str, conf: dict) -> str:
        """Trigger a manual run (``logical_date`` must be present, null for a manual run); returns its id."""
        return self.post(f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns", order_by="-run_after", limit=50)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]

    def task_log(self, dag_id: str, run_id: str, ti: dict) -> str:
        resp = self.session.get(
            f"{self.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/{max(1, ti['try_number'])}",
            params={"map_index": ti["map_index"], "full_content": "true"}, headers={"Accept": "application/json"},
            timeout=30,
        )
        if resp.status_code != 200:
            return f"(log unavailable: {resp.status_code} {resp.text[:300]})"
        lines = []
        for event in resp.json().get("content", []):
            if isinstance(event, dict):
                level = event.get("level", "")
                lines.append(f"{event.get('timestamp', '')} {level} {event.get('event', '')}".strip())
                if event.get("error_detail"):
                    lines.append(str(event["error_detail"])[:3000])
            else:
                lines.append(str(event))
        return "\n".join(lines)

    def diagnose(self, dag_id: str, run_id: str) -> str:
        """Task states of a run and the logs of its failed tasks, for a readable failure."""
        out = [f"run {dag_id} {run_id}:"]
        tis = self.task_instances(dag_id, run_id)
        for ti in sorted(tis, key=lambda t: (t["task_id"], t["map_index"])):
            out.append(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']} (try {ti['try_number']})")
        for ti in tis:
            if ti["state"] in ("failed", "up_for_retry"):
                out.append(f"----- log of {ti['task_id']}[{ti['map_index']}] -----")
                out.append("\n".join(self.task_log(dag_id, run_id, ti).splitlines()[-80:]))
        return "\n".join(out)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 120, services: Services | None = None) -> dict:
        """Poll the run until it finishes; fail with task states, failed tasks' logs and process logs."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in ("success", "failed"):
                break
            if time.monotonic() > deadline:
                run["state"] = f"still {run['state']} after {timeout:.0f} s"
                break
            if services is not None and services.dead():
                run["state"] = f"{run['state']}, but {', '.join(p.name for p in services.dead())} died"
                break
            time.sleep(1)
        if run["state"] != "success":
            details = self.diagnose(dag_id, run_id)
            tails = services.tails(25) if services is not None else ""
            pytest.fail(f"{dag_id} run {run_id} ended {run['state']}\n{details}\n{tails}", pytrace=False)
        return run


@dataclass
class Stack:
    url: str
    api: AirflowApi
    services: Services
    env: dict[str, str]
    crm_path: Path
    crm: dict[str, list[dict[str, Any]]]
    emulator_url: str
    tmp: Path
    user: str = USER
    password: str = PASSWORD
    artifacts: Path = ARTIFACTS

    def crm_rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        from sqlalchemy import create_engine, text

        engine = create_engine(f"sqlite:///{self.crm_path}")
        try:
            with engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def run_dag(self, dag_id: str, conf: dict, timeout: float = 120) -> str:
        run_id = self.api.trigger(dag_id, conf)
        self.api.wait_for_run(dag_id, run_id, timeout=timeout, services=self.services)
        return run_id


@pytest.fixture(scope="session")
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    postgres_url = os.environ.get("TEST_POSTGRES_URL")
    if not postgres_url:
        pytest.skip("TEST_POSTGRES_URL is not set: the end-to-end test needs PostgreSQL for Airflow's metadata DB")
    from scripts.demo_data import TENANTS, build_emulator_seed

    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("e2e")
    services = Services(tmp / "logs")
    try:
        sql_alchemy_conn = _fresh_metadata_db(postgres_url)
        crm_path = tmp / "crm.db"
        crm = build_demo_crm(crm_path)
        base = clean_base_environment()
        emulator_url = start_emulator(services, build_emulator_seed(crm), tmp / "emulator-seed.json", base)

        port = free_port()
        env = {
            **base,
            **airflow_services_environment(
                tmp / "airflow", port=port, jwt_secret=secrets.token_urlsafe(64), sql_alchemy_conn=sql_alchemy_conn,
                passwords_file=write_passwords_file(tmp / "passwords.json", {USER: PASSWORD}), parallelism=4,
                use_job_schedule=False,  # only the runs the tests trigger (the mail history DAG is @daily)
            ),
            **demo_connections(crm_path, emulator_url, TENANTS),
        }
        services.run("db-migrate", airflow_argv("db", "migrate"), env)
        start_airflow(services, env, triggerer=False)  # no deferrable tasks in these DAGs
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/api/v2/monitor/health"), timeout=120, what="the API server", services=services)
        api = AirflowApi(url, USER, PASSWORD)

        def dags_parsed() -> bool:
            found = {d["dag_id"] for d in api.get("/dags", dag_id_pattern="cleverreach", limit=100)["dags"]}
            return set(DAG_IDS) <= found

        wait_until(dags_parsed, timeout=120, what=f"the DAGs {DAG_IDS} to be parsed", services=services, interval=1)
        print(f"\ne2e stack up in {time.monotonic() - started:.0f} s: {url}, emulator {emulator_url}, logs {services.log_dir}")
    except BaseException:
        print("\n" + services.tails(40))
        services.stop()
        raise
    try:
        yield Stack(url, api, services, env, crm_path, crm, emulator_url, tmp)
    finally:
        failed = request.session.testsfailed
        if failed:
            print("\n" + services.tails(40))
        services.stop()
        logs = ARTIFACTS / "logs"
        shutil.rmtree(logs, ignore_errors=True)
        shutil.copytree(services.log_dir, logs, dirs_exist_ok=True)
        if (tmp / "airflow" / "logs").exists():
            shutil.copytree(tmp / "airflow" / "logs", logs / "tasks", dirs_exist_ok=True)
