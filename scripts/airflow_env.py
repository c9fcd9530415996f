"""One place that says how a local Airflow is configured for this project (tests, demo, `make airflow`).

Importing this module does not import Airflow: the environment must be set before Airflow's first
import, because Airflow reads its configuration then.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def airflow_environment(home: Path, *, quiet: bool = False) -> dict[str, str]:
    """Environment variables for an isolated Airflow with this repo's DAGs and a SQLite metadata DB."""
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "CLEVERREACH_SQL_DIR": str(REPO / "include" / "sql"),
    }
    if quiet:
        env["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    return env


def configure_airflow(home: Path, *, quiet: bool = False) -> None:
    """Set the environment of this process and put the project's packages on sys.path."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(airflow_environment(home, quiet=quiet))
    for path in (REPO / "plugins", REPO):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def migrate_metadata_db() -> None:
    """``airflow db migrate`` in a subprocess (quiet), then point this process's ORM at it."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    from airflow import settings

    settings.configure_orm()


def fresh_postgres_database(postgres_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``postgres_url`` (an Airflow metadata DB of a test or a
    bench, started from nothing); returns its SQLAlchemy URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(postgres_url).set(drivername="postgresql+psycopg2")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def sibling_postgres_database(url: str, suffix: str) -> str:
    """The URL of ``<db>_<suffix>`` on the server of ``url``, created on demand through the maintenance DB
    ``postgres`` and kept for the next run: a pytest-xdist worker's own database (tests/conftest.py) or the side
    lane's of `make test` (scripts/side_database.py), so that one process's schemas, grants and advisory locks
    never meet another's."""
    from sqlalchemy import create_engine, make_url, text

    base = make_url(url)
    name = f"{base.database or 'postgres'}_{suffix}"
    admin = create_engine(base.set(drivername="postgresql+psycopg2", database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                except Exception as exc:  # noqa: BLE001 - another session created it meanwhile: fine
                    if "already exists" not in str(exc):
                        raise
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def airflow_services_environment(
    home: Path,
    *,
    port: int,
    jwt_secret: str,
    sql_alchemy_conn: str | None = None,
    passwords_file: Path | None = None,
    users: str = "admin:admin",
    host: str = "127.0.0.1",
    parallelism: int | None = None,
    use_job_schedule: bool = True,
    quiet: bool = False,
) -> dict[str, str]:
    """
    Environment for running Airflow's components as separate processes on loopback (``make airflow``,
    the end-to-end test): :func:`airflow_environment` plus the API server's address, the Execution API
    URL the LocalExecutor's tasks call, one JWT secret shared by every component, SimpleAuthManager
    users (passwords from ``passwords_file``) and the connection form's Test button. With
    ``use_job_schedule=False`` the scheduler creates no scheduled runs (manual and API runs still run).
    """
    env = airflow_environment(home, quiet=quiet)
    env.update({
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": users,
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{host}:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
    })
    if sql_alchemy_conn:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sql_alchemy_conn
    if passwords_file is not None:
        env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(passwords_file)
    if not use_job_schedule:
        env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] = "False"
    if parallelism is not None:
        env["AIRFLOW__CORE__PARALLELISM"] = str(parallelism)
    return env
