"""``python -m cleverreach.crm.migrate``: what airflow-init and ``make airflow`` run before any DAG."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers.crm_seed import fetch
from helpers.release_0_1 import install_release_0_1
from scripts.local_airflow import crm_migrate_step

from cleverreach.crm.migrate import main
from cleverreach.crm.migrations import available_migrations, pending_migrations

EVERY = [f"state/{v}" for v, _ in available_migrations()]


def test_migrates_then_finds_the_state_up_to_date(crm_engine, capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == f"Applied migrations of the private state: {', '.join(EVERY)}"
    assert pending_migrations(crm_engine) == []
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == "The private state is up to date"


def test_conn_id_names_another_connection(crm_conn, crm_engine, monkeypatch, capsys):
    monkeypatch.setenv("AIRFLOW_CONN_OTHER_CRM", json.dumps(crm_conn))
    monkeypatch.setenv("AIRFLOW_CONN_HYPERSPACE_CRM", json.dumps({"conn_type": "sqlite", "host": "/nonexistent/dir/x.db"}))
    assert main(["--conn-id", "other_crm"]) == 0
    assert pending_migrations(crm_engine) == []


def test_a_missing_connection_is_one_line_and_exit_status_1(capsys):
    assert main(["--conn-id", "no_such_crm"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "no_such_crm" in err and "Traceback" not in err


def test_an_unadopted_release_0_1_is_refused_naming_the_adoption_command(crm_engine, capsys):
    install_release_0_1(crm_engine)
    assert main([]) == 1
    assert "python -m cleverreach.crm.adopt_legacy" in capsys.readouterr().err
    assert [r["id"] for r in fetch(crm_engine, "SELECT id FROM sync_run")] == [41]


def test_runs_as_a_module_as_make_airflow_starts_it(crm_engine):
    """As airflow-init and ``make airflow`` run it: a process of its own, the connection from the environment."""
    argv, env = crm_migrate_step(os.environ)
    assert argv == [sys.executable, "-m", "cleverreach.crm.migrate"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"Applied migrations of the private state: {', '.join(EVERY)}")
    assert pending_migrations(crm_engine) == []
