"""The compose deployment is safe by default (issue 18): no start with a public, placeholder or weak secret
(docker/check_secrets.py, run by docker/entrypoint.sh and docker/airflow-init.sh), .env written with fresh
secrets by docker/make_env.py, every published port on 127.0.0.1 unless AIRFLOW_BIND_ADDRESS says otherwise.

The checks run the scripts themselves (python and bash, no container); the ports come from `docker-compose config`.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_compose import _compose, _project, needs_compose

REPO = Path(__file__).resolve().parents[1]
DOCKER = REPO / "docker"
EXAMPLE = REPO / ".env.example"
SECRETS = ["AIRFLOW_DB_PASSWORD", "CRM_DB_PASSWORD", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_JWT_SECRET",
           "AIRFLOW_FERNET_KEY"]
ALL_PROFILES = ["--profile", "emulator", "--profile", "debug", "--profile", "flower"]


def _env_values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def _make_env(target: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DOCKER / "make_env.py"), "--env-file", str(target), *args],
                          capture_output=True, text=True, check=False, timeout=60)


@pytest.fixture
def generated(tmp_path) -> dict[str, str]:
    """The values of a .env fresh from docker/make_env.py."""
    done = _make_env(tmp_path / ".env")
    assert done.returncode == 0, done.stderr
    return _env_values((tmp_path / ".env").read_text())


@pytest.fixture
def python_on_path(tmp_path) -> dict[str, str]:
    """An environment whose `python` is this interpreter (the image's entrypoint calls `python`)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def _check(env: dict[str, str], *args: str, script: Path = DOCKER / "check_secrets.py") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True, text=True,
                          check=False, timeout=60)


def _bad_values(name: str) -> list[tuple[str, str]]:
    example = _env_values(EXAMPLE.read_text())
    fernet_of_31_bytes = base64.urlsafe_b64encode(os.urandom(31)).decode()
    bad = [
        ("empty", ""),
        ("its .env.example value", example[name]),
        ("another .env.example value", example["CRM_DB_PASSWORD" if name != "CRM_DB_PASSWORD" else "AIRFLOW_DB_PASSWORD"]),
        ("a placeholder", "CHANGE-ME-" + "k7Qz9wLp3XvB2nRt" * 5),
        ("a placeholder", "changeme" + "k7Qz9wLp3XvB2nRt" * 5),
        ("too short", "k7Qz9wLp3Xv"),
        ("one character repeated", "a" * 100),
    ]
    if name == "AIRFLOW_FERNET_KEY":
        bad += [("31 bytes", fernet_of_31_bytes), ("not base64", "k7Qz9wLp3XvB2nRt!" * 3),
                ("a password", "k7Qz9wLp3XvB2nRtk7Qz9wLp3XvB2nRt")]
    elif name == "AIRFLOW_JWT_SECRET":
        bad.append(("shorter than 64", "k7Qz9wLp3XvB2nRt" * 3))
    return bad


# ------------------------------------------------------------------ the check
@pytest.mark.parametrize("name", SECRETS)
def test_check_secrets_refuses_empty_public_placeholder_and_weak_values(generated, name):
    for why, value in _bad_values(name):
        env = {**generated, name: value}
        done = _check(env)
        assert done.returncode == 1, (name, why, value)
        assert f"refusing to start: {name} " in done.stderr, (why, done.stderr)
        assert "docker/make_env.py" in done.stderr and "python3 -c" in done.stderr, "say how to make a good one"
        assert value == "" or value not in done.stderr, "never print the secret"


@pytest.mark.parametrize("name", SECRETS)
def test_check_secrets_refuses_a_missing_secret(generated, name):
    env = {k: v for k, v in generated.items() if k != name}
    done = _check(env)
    assert done.returncode == 1 and f"{name} is empty" in done.stderr


def test_check_secrets_refuses_every_secret_of_env_example():
    done = _check({}, "--env-file", str(EXAMPLE))
    assert done.returncode == 1
    for name in SECRETS:
        assert f"refusing to start: {name} " in done.stderr, name


def test_check_secrets_accepts_generated_values(generated):
    assert _check(generated).returncode == 0
    # in a container: the JWT secret and Fernet key as Airflow reads them win over .env's names
    container = {**generated, "AIRFLOW__API_AUTH__JWT_SECRET": generated["AIRFLOW_JWT_SECRET"],
                 "AIRFLOW__CORE__FERNET_KEY": generated["AIRFLOW_FERNET_KEY"]}
    assert _check(container).returncode == 0
    container["AIRFLOW__CORE__FERNET_KEY"] = ""
    done = _check(container)
    assert done.returncode == 1 and "AIRFLOW_FERNET_KEY is empty" in done.stderr


def test_check_secrets_refuses_a_crm_connection_with_a_placeholder(generated):
    env = {**generated, "AIRFLOW_CONN_HYPERSPACE_CRM": _env_values(EXAMPLE.read_text())["AIRFLOW_CONN_HYPERSPACE_CRM"]}
    done = _check(env)
    assert done.returncode == 1 and "AIRFLOW_CONN_HYPERSPACE_CRM holds a placeholder" in done.stderr


def test_check_secrets_refuses_the_metadata_password_that_breaks_its_url(generated):
    done = _check({**generated, "AIRFLOW_DB_PASSWORD": "k7Qz9wLp3X@vB2nRt/k7Qz9"})
    assert done.returncode == 1 and "AIRFLOW_DB_PASSWORD may hold only" in done.stderr


def test_check_secrets_in_the_image_compares_with_the_copied_example(tmp_path, generated):
    """The image holds .env.example as docker/env.example (Dockerfile): any value of it is refused, strong or not."""
    assert "COPY --chown=airflow:0 .env.example /opt/airflow/docker/env.example" in (REPO / "Dockerfile").read_text()
    image_docker = tmp_path / "opt" / "docker"
    image_docker.mkdir(parents=True)
    shutil.copy(DOCKER / "check_secrets.py", image_docker / "check_secrets.py")
    published = "Zq8vN3kLw7Rt2YbXc5Hm9Jd4Fs6Gp1Ae"
    (image_docker / "env.example").write_text(f"SOME_DEMO_VALUE={published}\n")
    script = image_docker / "check_secrets.py"
    assert _check(generated, script=script).returncode == 0
    done = _check({**generated, "AIRFLOW_ADMIN_PASSWORD": published}, script=script)
    assert done.returncode == 1 and "AIRFLOW_ADMIN_PASSWORD is a value of .env.example" in done.stderr


# ------------------------------------------------------------------ the entrypoints run it first
def test_entrypoint_refuses_to_start_with_env_example_secrets(python_on_path):
    env = {**python_on_path, **_env_values(EXAMPLE.read_text())}
    done = subprocess.run(["bash", str(DOCKER / "entrypoint.sh"), "version"], env=env, capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "refusing to start: AIRFLOW_JWT_SECRET" in done.stderr
    assert "/entrypoint" not in done.stderr, "Airflow's entrypoint must not be reached"


def test_entrypoint_goes_on_to_airflow_with_generated_secrets(python_on_path, generated):
    env = {**python_on_path, **generated}
    done = subprocess.run(["bash", str(DOCKER / "entrypoint.sh"), "version"], env=env, capture_output=True,
                          text=True, check=False, timeout=60)
    assert "refusing" not in done.stderr
    if not Path("/entrypoint").exists():  # outside the image: the next step, Airflow's /entrypoint, is missing
        assert done.returncode == 127 and "/entrypoint" in done.stderr, done.stderr


def test_airflow_init_refuses_before_anything_else(python_on_path, tmp_path):
    env = {**python_on_path, **_env_values(EXAMPLE.read_text()), "AIRFLOW_FERNET_KEY": ""}
    done = subprocess.run(["bash", str(DOCKER / "airflow-init.sh")], env=env, capture_output=True, text=True,
                          check=False, timeout=60, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "refusing to start: AIRFLOW_FERNET_KEY is empty" in done.stderr
    assert "refusing to start: AIRFLOW_ADMIN_PASSWORD" in done.stderr
    assert "/entrypoint" not in done.stderr and "chown" not in done.stderr


# ------------------------------------------------------------------ the generator
def test_make_env_writes_a_complete_env_with_fresh_secrets(tmp_path, generated):
    example = _env_values(EXAMPLE.read_text())
    assert set(generated) == set(example)
    for key, value in example.items():
        if key in SECRETS:
            assert generated[key] != value
        elif key == "AIRFLOW_CONN_HYPERSPACE_CRM":
            import json

            connection = json.loads(generated[key])
            assert connection == {**json.loads(value), "password": generated["CRM_DB_PASSWORD"]}
        else:
            assert generated[key] == value, key
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600
    from cryptography.fernet import Fernet

    Fernet(generated["AIRFLOW_FERNET_KEY"].encode())  # raises on an invalid key
    assert len(generated["AIRFLOW_JWT_SECRET"]) >= 64


def test_make_env_values_differ_between_runs(tmp_path, generated):
    other = tmp_path / "other"
    other.mkdir()
    assert _make_env(other / ".env").returncode == 0
    second = _env_values((other / ".env").read_text())
    for name in SECRETS:
        assert second[name] != generated[name], name
    assert _check(second).returncode == 0


@pytest.mark.parametrize("args", [(), ("--check",)])
def test_make_env_never_overwrites_an_existing_env(tmp_path, args):
    target = tmp_path / ".env"
    target.write_text((REPO / ".env.example").read_text())
    before = target.stat()
    done = _make_env(target, *args)
    assert target.read_text() == EXAMPLE.read_text()
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    assert done.returncode == 1, "its secrets are refused"
    assert "is kept as it is" in done.stdout and "AIRFLOW_JWT_SECRET is a value of .env.example" in done.stdout


def test_make_env_check_writes_nothing_and_says_what_it_would(tmp_path):
    done = _make_env(tmp_path / ".env", "--check")
    assert not (tmp_path / ".env").exists()
    assert done.returncode == 1
    for name in SECRETS:
        assert name in done.stdout


def test_make_env_check_passes_a_good_env(tmp_path, generated):
    done = _make_env(tmp_path / ".env", "--check")
    assert done.returncode == 0, done.stdout


# ------------------------------------------------------------------ published ports
def _published(rendered: dict) -> dict[str, list[str]]:
    """service -> host ip of each published port ('' = all interfaces), whatever form `config` prints."""
    found = {}
    for name, service in rendered["services"].items():
        ips = []
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                ips.append(port.get("host_ip", ""))
            else:
                parts = str(port).rsplit("/", 1)[0].split(":")
                ips.append(parts[0] if len(parts) == 3 else "")
        if ips:
            found[name] = ips
    return found


def _rendered(tmp_path: Path, env_text: str) -> dict:
    done = _compose(_project(tmp_path, env_text), *ALL_PROFILES, "config")
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@needs_compose
@pytest.mark.parametrize("bind_line", ["kept", "removed"])
def test_every_published_port_binds_loopback_by_default(tmp_path, generated, bind_line):
    text = (tmp_path / ".env").read_text()
    if bind_line == "removed":
        text = "\n".join(line for line in text.splitlines() if not line.startswith("AIRFLOW_BIND_ADDRESS="))
    published = _published(_rendered(tmp_path, text))
    assert {"airflow-apiserver", "crm-db", "cleverreach-emulator", "flower"} <= set(published)
    assert all(ip == "127.0.0.1" for ips in published.values() for ip in ips), published


@needs_compose
def test_bind_address_opens_only_the_api_server(tmp_path, generated):
    text = (tmp_path / ".env").read_text().replace("AIRFLOW_BIND_ADDRESS=127.0.0.1", "AIRFLOW_BIND_ADDRESS=0.0.0.0")
    published = _published(_rendered(tmp_path, text))
    assert published.pop("airflow-apiserver") == ["0.0.0.0"]
    assert all(ip == "127.0.0.1" for ips in published.values() for ip in ips), published


@needs_compose
def test_config_refuses_an_empty_fernet_key(tmp_path, generated):
    text = (tmp_path / ".env").read_text().replace(f"AIRFLOW_FERNET_KEY={generated['AIRFLOW_FERNET_KEY']}",
                                                   "AIRFLOW_FERNET_KEY=")
    done = _compose(_project(tmp_path, text), "config", "-q")
    assert done.returncode != 0 and "set AIRFLOW_FERNET_KEY in .env" in done.stderr

