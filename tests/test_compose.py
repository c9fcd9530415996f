"""docker-compose.yaml: valid for docker-compose (`config -q`), and the promises the README makes about it.

Runs `docker-compose config` from Debian's docker-compose package (v1.29, which knows profiles and
`service_completed_successfully`; `.ci/run` installs it), or Docker Compose v2 where only that is present.
Compose reads `.env` from the project directory, so the checks run in a temporary project directory
whose `.env` is `.env.example` (or a variant of it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yaml"
AIRFLOW_SERVICES = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker", "airflow-init"]
REQUIRED_SECRETS = ["AIRFLOW_DB_PASSWORD", "AIRFLOW_JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD", "CRM_DB_PASSWORD",
                    "AIRFLOW_FERNET_KEY", "AIRFLOW_CONN_HYPERSPACE_CRM"]


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


COMPOSE = _compose_command()
needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="docker-compose is not installed (apt-get install docker-compose; .ci/run does it)"
)


def _project(tmp_path: Path, env_text: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(env_text)
    (project / "docker").symlink_to(REPO / "docker")  # env_file paths are relative to the project directory
    return project


def _compose(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COMPOSE, "-f", str(COMPOSE_FILE), "--project-directory", str(project), *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """`config` output with `.env` = `.env.example`, every profile active."""
    if COMPOSE is None:
        pytest.skip("docker-compose is not installed")
    project = _project(tmp_path_factory.mktemp("compose"), (REPO / ".env.example").read_text())
    quiet = _compose(project, "config", "-q")
    assert quiet.returncode == 0, quiet.stderr
    full = _compose(project, "--profile", "emulator", "--profile", "debug", "--profile", "flower", "config")
    assert full.returncode == 0, full.stderr
    return yaml.safe_load(full.stdout)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@needs_compose
def test_config_is_valid(rendered):
    services = rendered["services"]
    for name in ["postgres", "redis", "crm-db", *AIRFLOW_SERVICES, "cleverreach-emulator", "crm-demo-data"]:
        assert name in services, name


@needs_compose
@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_config_refuses_to_load_without_a_secret(tmp_path, missing):
    env = "\n".join(line for line in (REPO / ".env.example").read_text().splitlines()
                    if not line.startswith(f"{missing}="))
    result = _compose(_project(tmp_path, env + "\n"), "config", "-q")
    assert result.returncode != 0
    assert f"set {missing} in .env" in result.stderr


@needs_compose
def test_workers_scale(rendered):
    worker = rendered["services"]["airflow-worker"]
    assert "container_name" not in worker
    assert not worker.get("ports"), "a fixed host port would stop `--scale airflow-worker=N`"
    command = worker["command"] if isinstance(worker["command"], str) else " ".join(worker["command"])
    assert command == "celery worker"
    assert worker["environment"]["DUMB_INIT_SETSID"] == "0"


@needs_compose
def test_airflow_services_share_one_configuration(rendered):
    services = rendered["services"]
    envs = [services[name]["environment"] for name in AIRFLOW_SERVICES]
    for key in ["AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__FERNET_KEY",
                "AIRFLOW_CONN_HYPERSPACE_CRM", "AIRFLOW_CONN_CLEVERREACH_ACME"]:
        values = {env.get(key) for env in envs}
        assert len(values) == 1 and None not in values, (key, values)
    env = envs[0]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres/airflow")
    assert env["CLEVERREACH_SQL_DIR"] == "/opt/airflow/include/sql"
    for name in AIRFLOW_SERVICES:
        service = services[name]
        targets = {_volume_target(v) for v in service["volumes"]}
        assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/include"} <= targets, name
        assert service["image"] == rendered["services"]["airflow-apiserver"]["image"]
        assert "build" in service


def _volume_target(volume) -> str:
    if isinstance(volume, dict):
        return volume["target"]
    return volume.split(":")[1]


@needs_compose
def test_profiles(rendered):
    services = rendered["services"]
    for name in ["cleverreach-emulator", "crm-demo-data"]:
        assert services[name]["profiles"] == ["emulator"], name
    assert services["airflow-cli"]["profiles"] == ["debug"]
    for name in ["postgres", "redis", "crm-db", *AIRFLOW_SERVICES]:
        assert not services[name].get("profiles"), f"{name} must start without a profile"


def test_crm_db_gets_the_crm_schema(raw, monkeypatch):
    """crm-db runs the demo CRM's tables rendered for PostgreSQL (placeholders filled, no SQLite variant): the file
    is as the adapter's crm/ renders it now."""
    from scripts.render_crm_schema import RENDERED, render

    crm = raw["services"]["crm-db"]
    assert "./docker/crm_schema.postgresql.sql:/docker-entrypoint-initdb.d/crm_schema.sql:ro" in crm["volumes"]
    for name in ("AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR", "CLEVERREACH_SQL_DIR"):
        monkeypatch.delenv(name, raising=False)
    rendered = render()
    assert "{{" not in rendered
    assert RENDERED.read_text(encoding="utf-8") == rendered, "stale: run python -m scripts.render_crm_schema"


@pytest.mark.postgres
def test_the_rendered_crm_schema_runs_on_postgresql():
    """What crm-db's first start runs, run by psql against the machine's PostgreSQL in a database of its own."""
    import os
    import shutil
    import subprocess
    import uuid

    from sqlalchemy import create_engine, make_url, text

    url = os.environ.get("TEST_POSTGRES_URL")
    if not url or not shutil.which("psql"):
        pytest.skip("TEST_POSTGRES_URL or psql missing")
    server = make_url(url).set(drivername="postgresql+psycopg2")
    name = f"crm_init_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = server.set(database=name)
        done = subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", target.host or "127.0.0.1", "-p", str(target.port or 5432),
             "-U", target.username or "postgres", "-d", name, "-f", "docker/crm_schema.postgresql.sql"],
            cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        engine = create_engine(target)
        with engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text("SELECT table_name FROM information_schema.tables "
                                                       "WHERE table_schema = 'public'"))}
        engine.dispose()
        assert {"tenant", "contact_person", "recipient_list", "recipient_list_member", "contact_history"} <= tables
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_bind_mounts_and_build_files_exist(raw):
    for name, service in raw["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name}: {source}"
    for helper in ["entrypoint.sh", "airflow-init.sh", "loopback_forward.py", "load_demo_data.py"]:
        assert (REPO / "docker" / helper).exists(), helper


SECRET_KEY = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|^AIRFLOW_CONN_")
REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")
CREDENTIALS_IN_URL = re.compile(r"://[^:/@]*:([^@]*)@")


def _environments(raw: dict):
    for key, value in raw.items():
        if key.startswith("x-") and isinstance(value, dict) and "environment" in value:
            yield key, value["environment"]
    for name, service in raw["services"].items():
        env = service.get("environment") or {}
        yield name, env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def test_no_hard_coded_secrets(raw):
    found = []
    for where, env in _environments(raw):
        for key, value in env.items():
            value = str(value)
            if SECRET_KEY.search(key) and not key.endswith("_FILE") and not REFERENCE.match(value):
                found.append(f"{where}: {key}={value}")
            for password in CREDENTIALS_IN_URL.findall(value):
                if password and not REFERENCE.match(password):
                    found.append(f"{where}: {key} has a password in its URL")
    assert not found, found
    assert ".env" in [str(f) for f in raw["x-airflow-common"]["env_file"]]
    assert (REPO / ".env.example").exists()
    assert ".env" in (REPO / ".dockerignore").read_text().split()


# ------------------------------------------------------------------ one source with the distributed test
def _common_environment_keys(raw: dict) -> set[str]:
    env = raw["x-airflow-common"]["environment"]
    return set(env if isinstance(env, dict) else (item.split("=", 1)[0] for item in env))


def _distributed_test_environment(tmp_path: Path) -> dict[str, str]:
    from scripts.celery_stack import celery_environment

    return celery_environment(
        tmp_path / "airflow", api_port=8080, metadata_url="postgresql+psycopg2://u@h/meta",
        result_backend="db+postgresql+psycopg2://u@h/meta", broker_url="redis://h:6379/0", jwt_secret="s" * 64,
        crm_connection="{}",
    )


def test_compose_reads_the_shared_settings_first(raw):
    assert [str(f) for f in raw["x-airflow-common"]["env_file"]] == ["docker/airflow.env", ".env"]


def test_the_distributed_test_sets_everything_the_compose_stack_sets(raw, tmp_path):
    """Nothing of x-airflow-common's environment, nor of docker/airflow.env, is missing from the test's."""
    from scripts.celery_stack import read_env_file

    env = _distributed_test_environment(tmp_path)
    missing = (_common_environment_keys(raw) | set(read_env_file())) - set(env)
    assert not missing, f"set these in scripts.celery_stack.celery_environment: {sorted(missing)}"


def test_the_distributed_test_keeps_the_shared_settings(tmp_path):
    """The test overrides only hosts, ports, paths, database names and secrets, never a shared setting."""
    from scripts.celery_stack import HOST_SPECIFIC, read_env_file

    shared = read_env_file()
    env = _distributed_test_environment(tmp_path)
    assert not set(shared) & set(HOST_SPECIFIC)
    assert {k: env[k] for k in shared} == shared
    assert shared["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_shared_settings_hold_no_secret_nor_host():
    from scripts.celery_stack import read_env_file

    for key, value in read_env_file().items():
        assert not SECRET_KEY.search(key), key
        assert "${" not in value and "://" not in value, f"{key}: env_file does not interpolate; hosts belong in compose"


# ------------------------------------------------------------------ a clean image
DOCKERFILE = (REPO / "Dockerfile").read_text()


def _arg(name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)\s*$", DOCKERFILE, re.M)
    assert match, f"ARG {name} has no default"
    return match.group(1)


def test_image_is_the_official_one_for_the_projects_airflow_and_python():
    import tomllib

    assert _arg("AIRFLOW_VERSION") == "3.3.2"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f">={_arg('PYTHON_VERSION')}" in requires, (requires, _arg("PYTHON_VERSION"))
    assert f"PYTHON_VERSION := {_arg('PYTHON_VERSION')}" in (REPO / "Makefile").read_text(), "the dev venv's Python"
    # the official image is the default base of both stages; AIRFLOW_BASE_IMAGE names a stand-in (the compose test)
    assert _arg("AIRFLOW_BASE_IMAGE") == "apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}"
    for stage in ("wheels", "runtime"):
        assert f"FROM ${{AIRFLOW_BASE_IMAGE}} AS {stage}" in DOCKERFILE


def test_image_installs_the_provider_wheel_against_the_repositorys_tested_constraints():
    """The runtime stage pins every dependency to the repository's constraints.txt (the versions the tests ran
    with), copied into the build, not to a file fetched at build time (issue 18); CONSTRAINTS_FILE names another."""
    assert _arg("CONSTRAINTS_FILE") == "constraints.txt"
    code = "\n".join(line for line in DOCKERFILE.splitlines() if not line.startswith("#"))
    assert "AIRFLOW_CONSTRAINTS_URL" not in code and "://" not in code, "a version decided by a download"
    runtime = DOCKERFILE.split(" AS runtime", 1)[1].split(" AS emulator", 1)[0]
    assert "COPY --chown=airflow:0 ${CONSTRAINTS_FILE} /tmp/constraints.txt" in runtime
    install = runtime[runtime.index("RUN pip install"):].split("\n\n", 1)[0]
    assert "airflow_provider_cleverreach-*.whl)[postgres,columnar]" in install  # psycopg2, PostgreSQL's ADBC driver
    assert "--constraint /tmp/constraints.txt" in install
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in install
    assert f"apache-airflow=={_arg('AIRFLOW_VERSION')}" in (REPO / "constraints.txt").read_text().splitlines()
    assert "constraints.txt" not in (REPO / ".dockerignore").read_text()


def test_image_has_no_test_or_development_tools():
    # constraints.txt is in it: it pins versions and installs nothing
    for tool in ("requirements-dev.txt", "requirements.txt", "pytest", "hypothesis", "selenium"):
        assert tool not in "\n".join(line for line in DOCKERFILE.splitlines() if not line.startswith("#")), tool
    dev = (REPO / "requirements-dev.txt").read_text()
    runtime = (REPO / "requirements.txt").read_text()
    for tool in ("pytest", "hypothesis", "selenium"):
        assert f"{tool}==" in dev and f"{tool}==" not in runtime, tool


def test_services_build_their_stage(raw):
    assert raw["x-airflow-image"]["build"]["target"] == "runtime"
    assert raw["services"]["cleverreach-emulator"]["build"]["target"] == "emulator"


def test_plain_http_forwarding_is_off_by_default():
    env = dict(line.split("=", 1) for line in (REPO / ".env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env.get("CLEVERREACH_EMULATOR_FORWARD", "") == ""
