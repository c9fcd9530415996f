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

from helpers.airflow_api import AirflowApi
from scripts.airflow_env import REPO, airflow_services_environment, free_port, fresh_postgres_database
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
        self.wait_for_run(dag_id, run_id, timeout=timeout)
        return run_id

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 120) -> dict:
        """Poll the run until it finishes; fail with task states, failed tasks' logs and process logs."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.api.get(f"/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in ("success", "failed"):
                break
            if time.monotonic() > deadline:
                run["state"] = f"still {run['state']} after {timeout:.0f} s"
                break
            if self.services.dead():
                run["state"] = f"{run['state']}, but {', '.join(p.name for p in self.services.dead())} died"
                break
            time.sleep(1)
        if run["state"] != "success":
            details = self.api.diagnose(dag_id, run_id)
            pytest.fail(f"{dag_id} run {run_id} ended {run['state']}\n{details}\n{self.services.tails(25)}", pytrace=False)
        return run


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
        sql_alchemy_conn = fresh_postgres_database(postgres_url, META_DB)
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


# ------------------------------------------------------------------ the CleverReach page's modules (FAB, Chromium)
@pytest.fixture(scope="session")
def page_fab(tmp_path_factory):
    """One FAB stack for the page's modules (test_cleverreach_page_*_e2e): the lists imported, the first list of
    acme with synced members. Its metadata DB is its own (the rights modules' stacks drop theirs)."""
    from e2e.test_cleverreach_page_e2e import META_DB, ensure_synced_members, fab_stack

    with fab_stack(tmp_path_factory.mktemp("e2e-page-shared"), meta_db=f"{META_DB}_shared",
                   logs_name="page-shared-logs") as stack:
        ensure_synced_members(stack)
        yield stack


@pytest.fixture(scope="session")
def page_chromium(page_fab):
    from e2e.test_cleverreach_page_e2e import chromium_driver

    with chromium_driver() as driver:
        yield driver


@pytest.fixture
def page(page_fab, page_chromium):
    """The session's Chromium on the page, logged out, German, light (each test logs in as whom it needs)."""
    from e2e.test_cleverreach_page_e2e import PageDriver

    return PageDriver(page_chromium, page_fab).as_user(None)
