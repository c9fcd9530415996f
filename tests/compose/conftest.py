"""The compose stack, brought up for real: images built, ``docker-compose up``, healthchecks, REST API, CRM.

The stack runs from a copy of the project (the files a clone has, a fresh ``.env`` from ``docker/make_env.py``),
so that a developer's ``.env`` and volumes stay untouched. docker-compose (Debian's 1.29) talks to podman's
Docker API (scripts/compose_engine.py); the images are the project's Dockerfile on the stand-in base built from
Debian's packages (scripts/compose_images.py, docker/standin). Published ports: free ones on 127.0.0.1. The
teardown removes what the stack created (containers, volumes, network) and puts the machine's network settings
back; ``test_the_stack_stops_with_nothing_left`` checks it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from helpers.airflow_api import AirflowApi
from scripts.airflow_env import REPO, free_port
from scripts.compose_engine import (HealthChecks, NetworkSettings, PodmanService, missing_engine, podman,
                                    project_leftovers)

PROJECT = "cleverreach_compose_test"
ARTIFACTS = REPO / "artifacts" / "compose"
COMPOSE_FILES = ("docker-compose.yaml", "docker/standin/docker-compose.standin.yaml")
WORKERS = 2
DAG_IDS = ("cleverreach_import_lists", "cleverreach_manage_members", "cleverreach_sync_recipients",
           "cleverreach_sync_mail_history")
LONG_RUNNING = ("postgres", "redis", "crm-db", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                "airflow-triggerer", "airflow-worker", "cleverreach-emulator")
ONE_SHOT = ("airflow-init", "crm-demo-data")
UP_ATTEMPTS = 3
BATCH_SIZE = 10  # acme's connection: many small write calls, so that a kill lands between two of them
# .env lines on top of make_env.py's: the emulator forwarder on, free host ports, and (as the distributed test)
# a dead worker's task found after 30 s and retried 10 s later instead of 120 s and 60 s
TEST_SETTINGS = {
    "CLEVERREACH_EMULATOR_FORWARD": "cleverreach-emulator:8765",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "10",
    "AIRFLOW_CONN_CLEVERREACH_ACME": json.dumps({
        "conn_type": "cleverreach", "host": "http://127.0.0.1:8765", "login": "demo-acme-client",
        "password": "demo-acme-secret-4711", "extra": {"batch_size": BATCH_SIZE}}, separators=(",", ":")),
}
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".env", "artifacts", ".airflow", ".demo", ".bench", "tests",
                                     "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".pytest_cache")


def _set_env_line(text: str, key: str, value: str) -> str:
    lines = [line for line in text.splitlines() if not line.startswith(f"{key}=")]
    return "\n".join([*lines, f"{key}={value}"]) + "\n"


@dataclass
class ComposeStack:
    directory: Path
    service: PodmanService
    dotenv: dict[str, str]
    figures: dict[str, Any] = field(default_factory=dict)
    network: NetworkSettings | None = None
    health: HealthChecks | None = None
    stopped: bool = False

    # ---------------------------------------------------------------- docker-compose, as a user runs it
    def compose(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
        argv = ["docker-compose", "-p", PROJECT, *[a for f in COMPOSE_FILES for a in ("-f", f)], "--profile", "emulator",
                *args]
        env = {**os.environ, "DOCKER_HOST": self.service.docker_host, "COMPOSE_HTTP_TIMEOUT": "600"}
        started = time.monotonic()
        proc = subprocess.run(argv, cwd=self.directory, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        with (ARTIFACTS / "compose.log").open("a") as log:
            log.write(f"$ {' '.join(argv[5:])}  ({time.monotonic() - started:.0f} s, exit {proc.returncode})\n"
                      f"{proc.stdout}{proc.stderr}\n")
        if check and proc.returncode != 0:
            raise RuntimeError(f"docker-compose {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
        return proc

    def up(self) -> float:
        """``up -d`` with two workers, then every container healthy; returns the seconds until then."""
        started = time.monotonic()
        for attempt in range(1, UP_ATTEMPTS + 1):
            try:
                self.compose("up", "-d", "--scale", f"airflow-worker={WORKERS}")
                break
            except RuntimeError as exc:
                # aardvark-dns 1.4 (Debian bookworm) now and then answers a lookup with a temporary failure while
                # it reloads for a container that starts; a one-shot service (airflow-init) that meets one exits 1
                # (services with `restart: always` start again by themselves). A user runs `up -d` again; so does
                # the test, and counts it
                # what the one-shot services said: the only place their reason is (compose says "exited with code")
                said = self.logs(*ONE_SHOT, tail=40)
                print(f"\nup -d failed (attempt {attempt}): {str(exc)[-300:]}\none-shot services' logs:\n{said}")
                if attempt == UP_ATTEMPTS:
                    raise RuntimeError(f"{exc}\none-shot services' logs:\n{said[-6000:]}") from exc
                self.figures["up_retried"] = self.figures.get("up_retried", 0) + 1
        self.wait_healthy()
        return time.monotonic() - started

    # ---------------------------------------------------------------- containers
    def containers(self, service: str | None = None) -> list[dict]:
        out = podman("ps", "-a", "--filter", f"label=com.docker.compose.project={PROJECT}", "--format", "json").stdout
        rows = json.loads(out or "[]")
        for row in rows:
            row["service"] = row.get("Labels", {}).get("com.docker.compose.service", "")
        return [r for r in rows if service is None or r["service"] == service]

    def hostname(self, container_id: str) -> str:
        return podman("inspect", "--format", "{{.Config.Hostname}}", container_id).stdout.strip()

    def states(self) -> list[str]:
        return sorted(f"{r['service']}: {r['State']} {r.get('Status', '')}" for r in self.containers())

    def wait_healthy(self, timeout: float = 420) -> None:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.containers()
            healthy = [r for r in rows if r["service"] in LONG_RUNNING and "(healthy)" in r.get("Status", "")]
            done = [r for r in rows if r["service"] in ONE_SHOT and r["State"] == "exited" and r.get("ExitCode") == 0]
            failed = [r for r in rows if r["service"] in ONE_SHOT and r["State"] == "exited" and r.get("ExitCode")]
            assert not failed, f"{[r['service'] for r in failed]} failed:\n{self.logs(*[r['service'] for r in failed])}"
            if len(healthy) == len(LONG_RUNNING) - 1 + WORKERS and len(done) == len(ONE_SHOT):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the stack is not healthy after %.0f s:\n%s\n%s" % (
                    timeout, "\n".join(self.states()), self.logs(tail=30)))
            time.sleep(2)

    def logs(self, *services: str, tail: int = 60) -> str:
        proc = self.compose("logs", "--no-color", f"--tail={tail}", *services, check=False, timeout=120)
        return proc.stdout[-20000:]

    # ---------------------------------------------------------------- what runs inside
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.dotenv['AIRFLOW_API_PORT']}"

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.dotenv['EMULATOR_PORT']}"

    @property
    def crm_url(self) -> str:
        return f"postgresql+psycopg2://crm:{self.dotenv['CRM_DB_PASSWORD']}@127.0.0.1:{self.dotenv['CRM_DB_PORT']}/crm"

    def api(self) -> AirflowApi:
        return AirflowApi(self.api_url, self.dotenv["AIRFLOW_ADMIN_USER"], self.dotenv["AIRFLOW_ADMIN_PASSWORD"])

    def crm_rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.crm_url)
        try:
            with engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def crm_execute(self, sql: str, rows: list[dict[str, Any]] | dict[str, Any]) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.crm_url)
        try:
            with engine.begin() as conn:
                conn.execute(text(sql), rows)
        finally:
            engine.dispose()

    def wait_run(self, api: AirflowApi, dag_id: str, run_id: str, timeout: float = 240,
                 allow: tuple[str, ...] = ("success",)) -> dict:
        """Poll the run until it ends; fail with its tasks and logs unless it ended in ``allow``."""
        deadline = time.monotonic() + timeout
        while True:
            run = api.get(f"/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in ("success", "failed") or time.monotonic() > deadline:
                break
            time.sleep(1)
        if run["state"] not in allow:
            states = "\n".join(self.states())
            pytest.fail(f"{api.diagnose(dag_id, run_id)}\n{states}", pytrace=False)
        return run

    # ---------------------------------------------------------------- the end
    def stop(self) -> list[str]:
        """down -v, the API socket and the healthchecks stopped, the network settings as found; returns what
        was left (empty: nothing)."""
        if self.stopped:
            return []
        self.stopped = True
        try:
            (ARTIFACTS / "containers.log").write_text(self.logs(tail=400))
        except Exception as exc:  # noqa: BLE001 - the logs are a courtesy; the teardown must go on
            print(f"no container logs: {exc}")
        if self.health:
            self.health.stop()
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False, timeout=300)
        self.service.stop()
        left = project_leftovers(PROJECT)
        remove_project(PROJECT)  # whatever down left, so that the next run starts clean
        restored = self.network.restore() if self.network else []
        # conmon's cleanup may still tear a network down after `down` returned (netavark then edits the ruleset
        # again): wait for it to settle, putting back what it changed, before judging what was left
        for _ in range(15):
            if not self.network or not self.network.differences():
                break
            time.sleep(2)
            self.network.restore()
        if restored:
            print(f"network settings put back: {restored}")
        self.figures["network_put_back"] = restored
        return left + [f"network: {d}" for d in (self.network.differences() if self.network else [])]


def remove_project(project: str) -> None:
    """Containers, volumes and networks of the project, by podman directly (after a crash, or what down left)."""
    label = f"label=com.docker.compose.project={project}"
    ids = podman("ps", "-aq", "--filter", label, check=False).stdout.split()
    if ids:
        podman("rm", "-f", "-t", "5", *ids, check=False)
    for kind in ("volume", "network"):
        names = podman(kind, "ls", "-q", "--filter", label, check=False).stdout.split()
        if names:
            podman(kind, "rm", "-f", *names, check=False)


def _project_copy() -> Path:
    """The files of a clone in a directory every container user can read (bind mounts: dags, plugins, include)."""
    directory = Path(tempfile.mkdtemp(prefix="cleverreach-compose-"))
    directory.chmod(0o755)
    shutil.copytree(REPO, directory / "project", ignore=COPY_IGNORE, symlinks=True)
    return directory / "project"


def _dotenv(project: Path) -> dict[str, str]:
    """A fresh .env the README's way (make_env.py), plus the test's settings and free ports."""
    subprocess.run(["python3", "docker/make_env.py"], cwd=project, check=True, capture_output=True, text=True)
    path = project / ".env"
    text = path.read_text()
    settings = {**TEST_SETTINGS, "AIRFLOW_API_PORT": str(free_port()), "CRM_DB_PORT": str(free_port()),
                "EMULATOR_PORT": str(free_port())}
    for key, value in settings.items():
        text = _set_env_line(text, key, value)
    path.write_text(text)
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#") and "=" in line)


@pytest.fixture(scope="session")
def compose_stack(request) -> Iterator[ComposeStack]:
    reason = missing_engine()
    if reason:
        pytest.skip(f"no container engine: {reason}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "compose.log").write_text("")
    network = NetworkSettings.take()  # before anything podman does (builds run containers too)
    remove_project(PROJECT)
    work = Path(tempfile.mkdtemp(prefix="cleverreach-compose-work-"))
    project = _project_copy()
    stack = ComposeStack(project, PodmanService(work), _dotenv(project), {}, network)

    def teardown() -> None:
        left = stack.stop()
        shutil.rmtree(project.parent, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        (ARTIFACTS / "figures.json").write_text(json.dumps(stack.figures, indent=2))
        print(f"\ncompose figures: {json.dumps(stack.figures)}")
        assert not left, f"left after the teardown: {left}"

    try:  # a failure or an interrupt while it comes up tears it down too
        _bring_up(stack, work)
    except BaseException:
        teardown()
        raise
    request.addfinalizer(teardown)
    yield stack


def _bring_up(stack: ComposeStack, work: Path) -> None:
    """Base images, ``docker-compose build``, ``up``, healthy, the DAGs parsed and unpaused; with figures."""
    from scripts import compose_images

    def build_databases() -> float:
        begun = time.monotonic()
        stack.compose("build", "postgres", "redis")
        return time.monotonic() - begun

    figures = stack.figures
    started = time.monotonic()
    # the lock: CI may have started building the base images early (.ci/run); wait for it, then reuse them
    with compose_images.images_lock(), ThreadPoolExecutor(1) as pool:
        # the Airflow base's wheels (pip on this machine) while mmdebstrap runs (apt)
        wheels = pool.submit(compose_images.make_wheelhouse, work / "wheels")
        figures["debian_base_build_s"] = round(compose_images.build_debian_base(work), 1)
        figures["wheels_s"] = round(wheels.result(), 1)
        stack.service.start()
        # the PostgreSQL and Redis stand-ins (apt-get on the Debian base) build while the Airflow base does;
        # the `build` of every service below finds their layers cached
        databases = pool.submit(build_databases)
        figures["airflow_base_build_s"] = round(compose_images.build_airflow_base(
            work, ARTIFACTS / "airflow-base-build.log", work / "wheels"), 1)
        figures["databases_build_s"] = round(databases.result(), 1)
    built = time.monotonic()
    stack.compose("build")
    figures["compose_build_s"] = round(time.monotonic() - built, 1)
    figures["image_mb"] = {name: round(compose_images.image_size(name) / 1e6) for name in (
        compose_images.DEBIAN_IMAGE, compose_images.AIRFLOW_BASE_IMAGE, "cleverreach-airflow:3.3.2",
        "cleverreach-emulator:3.3.2", "localhost/cleverreach-standin/postgres:15",
        "localhost/cleverreach-standin/redis:7.0")}
    figures["images_total_s"] = round(time.monotonic() - started, 1)
    stack.health = HealthChecks(PROJECT)
    stack.health.start()
    figures["up_to_healthy_s"] = round(stack.up(), 1)
    api = stack.api()

    def parsed() -> bool:
        return set(DAG_IDS) <= {d["dag_id"] for d in api.get("/dags", limit=100)["dags"]}

    deadline = time.monotonic() + 180
    while not parsed():
        assert time.monotonic() < deadline, "the DAGs were not parsed within 180 s"
        time.sleep(2)
    for dag_id in DAG_IDS:  # paused at creation (docker/airflow.env)
        api.send("PATCH", f"/dags/{dag_id}", {"is_paused": False})
    figures["up_to_dags_parsed_s"] = round(time.monotonic() - built - figures["compose_build_s"], 1)


@pytest.fixture(scope="session")
def chromium(compose_stack) -> Iterator[Any]:
    """Headless Debian chromium through its chromedriver, as tests/e2e (Selenium downloads nothing)."""
    chromium_bin, chromedriver = "/usr/bin/chromium", "/usr/bin/chromedriver"
    if not (Path(chromium_bin).exists() and Path(chromedriver).exists()):
        pytest.skip(f"{chromium_bin} and {chromedriver} are needed (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="compose-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_bin
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--window-size=1400,1000", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
