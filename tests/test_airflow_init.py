"""docker/airflow-init.sh, run by bash with a stand-in for the image's /entrypoint that records each call and
fails where a test says: a passing fault is tried again, a lasting one stops the start with the step named, the
admin login is created once and kept after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_compose_secrets import _env_values, _make_env

REPO = Path(__file__).resolve().parent.parent
INIT = REPO / "docker" / "airflow-init.sh"

# The stand-in entrypoint: one line per call in calls.log; a call whose words match FAIL_<n> (a pattern per
# file fail-<n>) fails with the exit status in that file's first line, as many times as the file has further lines.
FAKE_ENTRYPOINT = r"""#!/usr/bin/env bash
here=$(dirname "$0")
echo "$*" >> "$here/calls.log"
for rule in "$here"/fail-*; do
  [[ -e "$rule" ]] || continue
  pattern=$(sed -n 1p "$rule"); status=$(sed -n 2p "$rule"); left=$(($(wc -l < "$rule") - 2))
  if [[ "$*" == *"$pattern"* && $left -gt 0 ]]; then
    sed -i '$d' "$rule"
    echo "stand-in: '$*' fails with $status" >&2
    exit "$status"
  fi
done
if [[ "$*" == "airflow users list --output json" ]]; then
  cat "$here/users.json" 2>/dev/null || echo "[]"
fi
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    entrypoint = tmp_path / "entrypoint"
    entrypoint.write_text(FAKE_ENTRYPOINT)
    entrypoint.chmod(0o755)
    return tmp_path


def _fail(stand_in: Path, pattern: str, status: int, times: int) -> None:
    rule = stand_in / f"fail-{len(list(stand_in.glob('fail-*')))}"
    rule.write_text("\n".join([pattern, str(status), *["x"] * times]) + "\n")


def _init(stand_in: Path) -> subprocess.CompletedProcess:
    """airflow-init.sh with the secrets of a fresh .env (docker/make_env.py), as compose hands them over."""
    made = _make_env(stand_in / ".env")
    assert made.returncode == 0, made.stderr
    bin_dir = stand_in / "bin"  # `python` is this interpreter (check_secrets.py runs first)
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "python").exists():
        (bin_dir / "python").symlink_to(sys.executable)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", **_env_values((stand_in / ".env").read_text()),
           "AIRFLOW_UID": str(os.getuid()),
           "AIRFLOW_INIT_ENTRYPOINT": str(stand_in / "entrypoint"), "AIRFLOW_INIT_LOGS": str(stand_in / "logs"),
           "AIRFLOW_INIT_PAUSE": "0"}
    env["AIRFLOW__CORE__FERNET_KEY"] = env["AIRFLOW_FERNET_KEY"]
    env["AIRFLOW__API_AUTH__JWT_SECRET"] = env["AIRFLOW_JWT_SECRET"]
    return subprocess.run(["bash", str(INIT)], env=env, capture_output=True, text=True, check=False, timeout=60)


def _calls(stand_in: Path) -> list[str]:
    return (stand_in / "calls.log").read_text().splitlines()


STEPS = ["airflow db migrate", "airflow pools set cleverreach_api 8 CleverReach API calls across the deployment",
         "python -m cleverreach.ui.roles", "airflow users list --output json"]


def test_a_first_start_runs_every_step_once_and_creates_the_admin(stand_in):
    done = _init(stand_in)
    assert done.returncode == 0, done.stderr
    calls = _calls(stand_in)
    assert calls[:4] == STEPS
    assert calls[4].startswith("airflow users create --role Admin --username admin --password ")
    assert calls[5:] == ["python -m cleverreach.crm.migrate", "airflow version"]
    assert "UI login: admin" in done.stdout and (stand_in / "logs").is_dir()


def test_an_existing_admin_is_kept(stand_in):
    (stand_in / "users.json").write_text('[{"id": "1", "username": "admin", "email": "admin@localhost"}]\n')
    done = _init(stand_in)
    assert done.returncode == 0, done.stderr
    assert not [c for c in _calls(stand_in) if "users create" in c]
    assert "UI login admin exists; its password is kept" in done.stdout


@pytest.mark.parametrize("step", ["airflow db migrate", "python -m cleverreach.ui.roles",
                                  "airflow users list", "python -m cleverreach.crm.migrate"])
def test_a_passing_fault_is_tried_again(stand_in, step):
    _fail(stand_in, step, 1, times=2)
    done = _init(stand_in)
    assert done.returncode == 0, done.stderr
    assert sum(step in c for c in _calls(stand_in)) == 3
    assert "(try 1 of 3)" in done.stderr and "(try 2 of 3)" in done.stderr and "(try 3 of 3)" not in done.stderr


def test_a_lasting_fault_stops_the_start_after_three_tries_and_names_the_step(stand_in):
    _fail(stand_in, "python -m cleverreach.crm.migrate", 1, times=5)
    done = _init(stand_in)
    assert done.returncode == 1
    assert sum("cleverreach.crm.migrate" in c for c in _calls(stand_in)) == 3
    assert "airflow version" not in _calls(stand_in)
    assert "(try 3 of 3)" in done.stderr
    assert 'airflow-init: stopped (exit 1) at line ' in done.stderr
    assert done.stderr.rstrip().endswith(': retry "${ENTRYPOINT}" python -m cleverreach.crm.migrate')


def test_a_failing_user_list_does_not_become_a_second_admin(stand_in):
    (stand_in / "users.json").write_text('[{"username": "admin"}]\n')
    _fail(stand_in, "airflow users list", 2, times=3)
    done = _init(stand_in)
    assert done.returncode == 2
    assert not [c for c in _calls(stand_in) if "users create" in c]
