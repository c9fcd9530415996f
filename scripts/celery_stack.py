"""The compose stack's Airflow, run as processes on this machine: CeleryExecutor, Redis, PostgreSQL.

``docker-compose.yaml`` cannot run here (no container engine), so the distributed test
(``tests/distributed``) starts the same services as separate process groups, configured from the same
source: ``docker/airflow.env`` (the settings every Airflow container reads through ``env_file``).
:func:`celery_environment` reads that file and overrides only what differs between a container and a
process on this machine: hosts and ports, paths, database names and secrets. Everything compose sets
in ``x-airflow-common.environment`` is covered (``tests/test_compose.py`` checks it).

Two Celery workers on one machine need what two containers get for free: their own hostname (the task
instances' ``hostname`` column, via ``[core] hostname_callable`` = :func:`worker_hostname`), their own
Celery node name, and no log server each (both would bind port 8793; the api-server reads the task logs
from the shared log folder instead, as the compose stack's workers share the ``airflow-logs`` volume).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from scripts.airflow_env import REPO
from scripts.local_airflow import ManagedProcess, Services, airflow_argv, crm_migrate_step

COMMON_ENV_FILE = REPO / "docker" / "airflow.env"
WORKER_NAME_VARIABLE = "CLEVERREACH_WORKER_NAME"

# What a process on this machine sets differently from a container, and why. Every other AIRFLOW__*
# setting comes from docker/airflow.env unchanged.
HOST_SPECIFIC = {
    "AIRFLOW_HOME": "path",
    "AIRFLOW__CORE__DAGS_FOLDER": "path (compose: the image's default /opt/airflow/dags, mounted)",
    "AIRFLOW__CORE__PLUGINS_FOLDER": "path (compose: /opt/airflow/plugins, mounted)",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "path (compose: the airflow-logs volume)",
    "CLEVERREACH_SQL_DIR": "path",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "host and database name",
    "AIRFLOW__CELERY__RESULT_BACKEND": "host and database name",
    "AIRFLOW__CELERY__BROKER_URL": "host and Redis db number",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "host and port of the api-server",
    "AIRFLOW__API__HOST": "loopback only",
    "AIRFLOW__API__PORT": "a free port",
    "AIRFLOW__API__WORKERS": "one api-server worker on 2 cores",
    "AIRFLOW__API_AUTH__JWT_SECRET": "secret",
    "AIRFLOW__CORE__FERNET_KEY": "secret",
    "AIRFLOW_CONN_HYPERSPACE_CRM": "host and database name of the CRM",
    "CLEVERREACH_EMULATOR_FORWARD": "no forwarder: the emulator listens on loopback already",
    "PYTHONPATH": "makes scripts.celery_stack.worker_hostname importable",
}


def read_env_file(path: Path = COMMON_ENV_FILE) -> dict[str, str]:
    """``KEY=VALUE`` lines of an env file as docker-compose reads them (no quotes, no interpolation)."""
    env: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{path}:{number}: not KEY=VALUE")
        env[key.strip()] = value.strip()
    return env


def celery_environment(
    home: Path,
    *,
    api_port: int,
    metadata_url: str,
    result_backend: str,
    broker_url: str,
    jwt_secret: str,
    crm_connection: str,
    dags_folder: Path = REPO / "dags",
    fernet_key: str = "",
) -> dict[str, str]:
    """docker/airflow.env plus this machine's hosts, ports, paths, database names and secrets."""
    env = read_env_file()
    overrides = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "CLEVERREACH_SQL_DIR": str(REPO / "include" / "sql"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
        "AIRFLOW__CORE__FERNET_KEY": fernet_key,
        "AIRFLOW_CONN_HYPERSPACE_CRM": crm_connection,
        "CLEVERREACH_EMULATOR_FORWARD": "",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    assert set(overrides) == set(HOST_SPECIFIC), "say why each override differs from docker/airflow.env"
    env.update(overrides)
    return env


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the workers: their own name, as a container's hostname would be."""
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()


def worker_environment(env: Mapping[str, str], name: str) -> dict[str, str]:
    return {**env, WORKER_NAME_VARIABLE: name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "scripts.celery_stack.worker_hostname"}


def start_worker(services: Services, env: Mapping[str, str], name: str, concurrency: int) -> None:
    """``airflow celery worker`` as the compose service runs it, on the default queue and a queue of its own."""
    queue = env.get("AIRFLOW__OPERATORS__DEFAULT_QUEUE", "default")
    services.start(name, airflow_argv(
        "celery", "worker", "--concurrency", str(concurrency), "--celery-hostname", f"{name}@%h",
        "--queues", f"{queue},{name}", "--skip-serve-logs",
    ), worker_environment(env, name))


def start_stack(services: Services, env: Mapping[str, str], workers: Sequence[str], *, admin: tuple[str, str],
                concurrency: int = 2, timeout: float = 300) -> None:
    """airflow-init's steps (migrate; then the API pool, the CleverReach roles, the admin login and the CRM's
    private state), then api-server, scheduler, triggerer, the workers and the dag-processor. After the migration
    the scheduler, triggerer and workers start at once with the steps; the api-server waits for them, and the roles
    and the admin login run one after the other: each of the three writes FAB's permission tables when it starts,
    and two of them at once on a fresh metadata DB collide (a unique violation on
    ``ab_permission_view_role``). The dag-processor waits too: the DAGs' access_control names the roles."""
    services.run("db-migrate", airflow_argv("db", "migrate"), env)
    user, password = admin
    steps = Services(services.log_dir)  # one-shot: they must not count as services that died
    init = [
        steps.start("pool", airflow_argv("pools", "set", env.get("AIRFLOW__CLEVERREACH__API_POOL", "cleverreach_api"),
                                            env["AIRFLOW__CLEVERREACH__API_POOL_SLOTS"], "CleverReach API calls"), env),
        steps.start("crm-migrate", *crm_migrate_step(env)),
    ]
    services.start("scheduler", airflow_argv("scheduler", "--skip-serve-logs"), env)
    services.start("triggerer", airflow_argv("triggerer", "--skip-serve-logs"), env)
    for name in workers:
        start_worker(services, env, name, concurrency)
    try:
        fab = [("roles", [sys.executable, "-m", "cleverreach.ui.roles"]),
               ("admin-user", airflow_argv("users", "create", "--role", "Admin", "--username", user, "--password",
                                           password, "--firstname", "Airflow", "--lastname", "Admin",
                                           "--email", f"{user}@localhost"))]
        for name, argv in fab:  # one after the other
            init.append(steps.start(name, argv, env))
            _finished(init[-1], timeout)
        for step in init:
            _finished(step, timeout)
    finally:
        steps.stop(timeout=5)
    services.start("api-server", airflow_argv("api-server"), env)
    services.start("dag-processor", airflow_argv("dag-processor"), env)


def _finished(step: ManagedProcess, timeout: float) -> None:
    """Wait for a one-shot step; its log's end in the error when it failed."""
    code = step.popen.wait(timeout)
    if code:
        raise RuntimeError(f"{step.name} exited with {code}:\n{step.tail(30)}")


def session_processes(sessions: set[int]) -> list[tuple[int, int, str]]:
    """(pid, session, command) of every live process (zombies excluded) in the given sessions. Every
    service starts in a session of its own (``start_new_session``); its children stay in it even when
    they move to a process group of their own (the task supervisor's ``setpgid``), and even when they
    are orphaned, so the session finds a worker's task processes too."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        fields = text[text.rindex(")") + 2 :].split()
        state, session = fields[0], int(fields[3])
        if session in sessions and state != "Z":
            found.append((int(stat.parent.name), session, text[text.index("(") + 1 : text.rindex(")")]))
    return found


def signal_sessions(sessions: set[int], sig: int) -> list[tuple[int, int, str]]:
    """Send ``sig`` to every process of the sessions; returns the processes."""
    targets = session_processes(sessions)
    for pid, _session, _command in targets:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    return targets


def kill_sessions(sessions: set[int]) -> list[tuple[int, int, str]]:
    """SIGKILL every process of the sessions, as a container's death would; returns what it killed."""
    return signal_sessions(sessions, signal.SIGKILL)


def become_subreaper() -> bool:
    """Adopt the orphans of our children (Linux ``PR_SET_CHILD_SUBREAPER``), so that :func:`reap` can
    collect them when this machine's PID 1 does not; False where that is not available."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap() -> None:
    """Collect every exited child (adopted orphans included) without waiting."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def leftovers(services: Services, timeout: float = 10.0) -> list[tuple[int, int, str]]:
    """Live processes of the started services (none after a clean stop): waits up to ``timeout`` s for
    the killed ones to go, collecting the exited children meanwhile."""
    sessions = {p.popen.pid for p in services.processes}
    deadline = time.monotonic() + timeout
    while True:
        reap()
        left = session_processes(sessions)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)
