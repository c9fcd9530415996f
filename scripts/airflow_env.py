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
