"""The settings of an Airflow of its own, for tests that run Airflow's CLI in another venv (tests/packaging)."""

from __future__ import annotations

from pathlib import Path


def airflow_settings(home: Path) -> dict[str, str]:
    """An Airflow home with a SQLite metadata DB, its own DAGs folder and an empty plugins folder (created)."""
    for folder in ("dags", "plugins"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
    }
