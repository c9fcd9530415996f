"""`make airflow`: a local Airflow on 127.0.0.1 with the demo CRM, the CleverReach emulator and the connections.

Starts, each as its own process group, with the output of each in ``.airflow/logs/<name>.log``:

* the CleverReach emulator (``python -m cleverreach_emulator``) seeded with an account per demo tenant;
* ``airflow api-server`` (UI and REST API), ``airflow scheduler`` (LocalExecutor), ``airflow dag-processor``
  and ``airflow triggerer``,

on a SQLite metadata DB and a SQLite demo CRM, with ``AIRFLOW_CONN_HYPERSPACE_CRM`` and one
``AIRFLOW_CONN_CLEVERREACH_<TENANT>`` per tenant in their environment. Prints the address and the login
(SimpleAuthManager, user ``admin``, password ``admin`` from a passwords file written here), and stops
everything on Ctrl-C or SIGTERM: terminate each process group, wait, kill what is left.

Everything lives in ``.airflow/`` and is recreated on every start (the emulator keeps its state in
memory, so the CRM and CleverReach start from the same sample data each time).

The process handling (:class:`Services`) is shared with the end-to-end test (``tests/e2e``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts.airflow_env import REPO, airflow_services_environment, free_port

WORK = REPO / ".airflow"
USER, PASSWORD = "admin", "admin"


# ---------------------------------------------------------------------------------------- processes
@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    log_path: Path
    popen: subprocess.Popen

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Services:
    """Child processes, each in its own session (process group), logging to ``log_dir/<name>.log``."""

    log_dir: Path
    processes: list[ManagedProcess] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path = REPO) -> ManagedProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                list(argv), env=dict(env), cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        proc = ManagedProcess(name, list(argv), log_path, popen)
        self.processes.append(proc)
        return proc

    def run(self, name: str, argv: Sequence[str], env: Mapping[str, str], timeout: float = 300) -> None:
        """Run a command to completion, its output in ``log_dir/<name>.log``; fail with the log's tail."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as log:
            result = subprocess.run(list(argv), env=dict(env), cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=timeout, check=False)
        if result.returncode:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"{name} ({' '.join(argv[1:])}) exited with {result.returncode}:\n{tail}")

    def get(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def dead(self) -> list[ManagedProcess]:
        return [p for p in self.processes if not p.alive]

    def check_alive(self) -> None:
        for proc in self.dead():
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}; its log ends with:\n{proc.tail()}")

    def tails(self, lines: int = 40) -> str:
        return "\n".join(
            f"----- {p.name} ({'running' if p.alive else f'exited {p.popen.returncode}'}), {p.log_path} -----\n{p.tail(lines)}"
            for p in self.processes
        )

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every process group (newest first), wait up to ``timeout`` s, then SIGKILL what is left."""
        running = [p for p in reversed(self.processes) if p.alive]
        for proc in running:
            _signal_group(proc.popen, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in reversed(self.processes):
            # the group may outlive its leader (worker processes): kill whatever is left in it
            _signal_group(proc.popen, signal.SIGKILL)
            try:
                proc.popen.wait(5)
            except subprocess.TimeoutExpired:
                pass


def _signal_group(popen: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(popen.pid, sig)  # start_new_session: the group id is the leader's pid
    except (ProcessLookupError, PermissionError):
        pass


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, services: Services | None = None,
               interval: float = 0.5) -> None:
    """Poll ``check`` until it is true; fail early when a child process died."""
    deadline = time.monotonic() + timeout
    while True:
        if services is not None:
            services.check_alive()
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not ready yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError):
        return False


# ---------------------------------------------------------------------------------------- pieces
def write_passwords_file(path: Path, passwords: Mapping[str, str]) -> Path:
    """SimpleAuthManager's passwords file (JSON user -> password), so the login is known in advance."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(passwords)) + "\n")
    path.chmod(0o600)
    return path


def start_emulator(services: Services, seed: dict, seed_path: Path, env: Mapping[str, str], timeout: float = 30.0) -> str:
    """Write the seed, start ``python -m cleverreach_emulator --port 0`` and return the URL it prints."""
    seed_path.parent.mkdir(parents=True, exist_ok=True)
    seed_path.write_text(json.dumps(seed, ensure_ascii=False))
    proc = services.start(
        "emulator", [sys.executable, "-m", "cleverreach_emulator", "--seed", str(seed_path), "--port", "0"], env
    )
    url: list[str] = []

    def printed_url() -> bool:
        for line in proc.log_path.read_text(errors="replace").splitlines():
            if line.startswith("http://"):
                url.append(line.strip())
                return True
        return False

    wait_until(printed_url, timeout=timeout, what="the emulator's URL", services=services, interval=0.2)
    wait_until(lambda: http_ok(url[0] + "/_emulator/health"), timeout=timeout, what="the emulator", services=services)
    return url[0]


def demo_connections(crm_path: Path, emulator_url: str, tenants: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables: the SQLite CRM and one CleverReach connection per tenant."""
    env = {"AIRFLOW_CONN_HYPERSPACE_CRM": json.dumps({"conn_type": "sqlite", "host": str(crm_path)})}
    for tenant in tenants:
        env[f"AIRFLOW_CONN_CLEVERREACH_{tenant['id'].upper()}"] = json.dumps({
            "conn_type": "cleverreach", "host": emulator_url, "login": tenant["client_id"], "password": tenant["secret"],
        })
    return env


def build_demo_crm(crm_path: Path) -> dict:
    """The demo CRM (scripts.demo_data) in a fresh SQLite file; returns the rows."""
    from cleverreach.crm.migrations import create_crm_tables
    from cleverreach.hooks.crm import engine_from_fields
    from scripts.demo_data import build_crm, load_crm

    crm_path.parent.mkdir(parents=True, exist_ok=True)
    engine = engine_from_fields("sqlite", host=str(crm_path))
    try:
        create_crm_tables(engine)
        crm = build_crm()
        load_crm(engine, crm)
    finally:
        engine.dispose()
    return crm


def clean_base_environment() -> dict[str, str]:
    """This process's environment without any Airflow settings or connections (the children get ours)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW"))}


def airflow_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def ensure_api_pool(services: Services, env: Mapping[str, str]) -> None:
    """Create or resize the pool of every CleverReach task ([cleverreach] api_pool, api_pool_slots), as
    airflow-init does in the compose stack: tasks of a missing pool are never scheduled."""
    name = env.get("AIRFLOW__CLEVERREACH__API_POOL", "cleverreach_api")
    slots = env.get("AIRFLOW__CLEVERREACH__API_POOL_SLOTS", "8")
    services.run("pool", airflow_argv("pools", "set", name, slots, "CleverReach API calls across the deployment"), env)


def crm_migrate_step(env: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """argv and environment of ``python -m cleverreach.crm.migrate`` (what airflow-init runs): the private state
    of the CRM connection in ``env`` migrated before any DAG runs, with this checkout's plugins."""
    pythonpath = os.pathsep.join([str(REPO / "plugins"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return [sys.executable, "-m", "cleverreach.crm.migrate"], {**env, "PYTHONPATH": pythonpath}


def start_airflow(services: Services, env: Mapping[str, str], *, triggerer: bool = True) -> None:
    """api-server, scheduler, dag-processor (and triggerer); logs are read from the shared local folder."""
    ensure_api_pool(services, env)
    services.start("api-server", airflow_argv("api-server"), env)
    services.start("scheduler", airflow_argv("scheduler", "--skip-serve-logs"), env)
    services.start("dag-processor", airflow_argv("dag-processor"), env)
    if triggerer:
        services.start("triggerer", airflow_argv("triggerer", "--skip-serve-logs"), env)


# ---------------------------------------------------------------------------------------- make airflow
def _port(requested: int) -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", requested))
            return requested
        except OSError:
            return free_port()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make airflow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT", "8080")),
                        help="port of the UI and API on 127.0.0.1 (default 8080 or $AIRFLOW_PORT; a free one if taken)")
    parser.add_argument("--schedules", action="store_true",
                        default=os.environ.get("AIRFLOW_SCHEDULES", "").lower() in ("1", "true", "yes", "on"),
                        help="let the scheduler start scheduled runs (off by default: the @daily mail history "
                             "would run at once, before any list is imported)")
    args = parser.parse_args(argv)

    for path in (REPO / "plugins", REPO):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from scripts.demo_data import TENANTS, build_emulator_seed

    shutil.rmtree(WORK, ignore_errors=True)
    home = WORK / "airflow"
    home.mkdir(parents=True)
    services = Services(WORK / "logs")
    stopping: list[int] = []

    def on_signal(signum, _frame):  # noqa: ANN001
        stopping.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("Preparing the demo CRM and the CleverReach emulator ...", flush=True)
        crm_path = WORK / "crm.db"
        crm = build_demo_crm(crm_path)
        base = clean_base_environment()
        emulator_url = start_emulator(services, build_emulator_seed(crm), WORK / "emulator-seed.json", base)

        port = _port(args.port)
        env = {
            **base,
            **airflow_services_environment(
                home, port=port, jwt_secret=secrets.token_urlsafe(64),
                passwords_file=write_passwords_file(WORK / "passwords.json", {USER: PASSWORD}),
                use_job_schedule=args.schedules,
            ),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **demo_connections(crm_path, emulator_url, TENANTS),
        }
        print("Migrating the metadata DB (SQLite) ...", flush=True)
        services.run("db-migrate", airflow_argv("db", "migrate"), env)
        print("Migrating the integration's private state in the demo CRM ...", flush=True)
        services.run("crm-migrate", *crm_migrate_step(env))
        print("Starting api-server, scheduler, dag-processor and triggerer ...", flush=True)
        start_airflow(services, env)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(url + "/api/v2/monitor/health"), timeout=180, what="the API server", services=services)

        print(f"""
Airflow is running: {url}
  login          {USER} / {PASSWORD}
  CRM            {crm_path} (connection hyperspace_crm, SQLite)
  emulator       {emulator_url} (connections {', '.join('cleverreach_' + t['id'] for t in TENANTS)})
  logs           {services.log_dir}
  schedules      {"on" if args.schedules else "off: manual runs only (AIRFLOW_SCHEDULES=1 make airflow turns them on)"}
Try: trigger cleverreach_import_lists, then cleverreach_manage_members and cleverreach_sync_recipients.
Press Ctrl-C to stop.
""", flush=True)
        while True:
            services.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    except Exception as exc:  # noqa: BLE001 - say what went wrong, then stop everything
        print(f"\nERROR: {exc}", file=sys.stderr, flush=True)
        print(services.tails(30), file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        services.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
