"""Shared test set-up: an isolated AIRFLOW_HOME, the emulator, CRM databases (SQLite and PostgreSQL).

Airflow reads its configuration when first imported, so the environment is fixed here, at import
time, before any test module imports ``airflow``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from scripts.airflow_env import configure_airflow, migrate_metadata_db  # noqa: E402 - before airflow

# One AIRFLOW_HOME per test session. The marker keeps a second execution of this file (an import of
# `conftest` by name under --import-mode=importlib) from pointing Airflow at a new, unmigrated home.
# Under pytest-xdist (`make check`) every worker is a session of its own with its own home and SQLite
# metadata DB: a worker inherits the controller's environment, so the marker is named after the worker.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_HOME_MARKER = "CLEVERREACH_TEST_AIRFLOW_HOME" + (f"_{_WORKER.upper()}" if _WORKER else "")
if _HOME_MARKER not in os.environ:
    os.environ[_HOME_MARKER] = tempfile.mkdtemp(prefix=f"cleverreach-airflow-{_WORKER or 'main'}-")
_AIRFLOW_HOME = Path(os.environ[_HOME_MARKER])
configure_airflow(_AIRFLOW_HOME)



def _worker_database(url: str, worker: str) -> str:
    """``<db>_<worker>``: under pytest-xdist (`make test`'s parallel tier) each worker has a database of its own."""
    from scripts.airflow_env import sibling_postgres_database

    return sibling_postgres_database(url, worker)


# Read by the fixtures below and by test modules (at import, after this file): the worker's own database under
# xdist. The marker keeps a second execution of this file from deriving a name from an already derived one.
_PG_MARKER = "CLEVERREACH_TEST_POSTGRES_BASE" + (f"_{_WORKER.upper()}" if _WORKER else "")
if _WORKER and os.environ.get("TEST_POSTGRES_URL") and _PG_MARKER not in os.environ:
    os.environ[_PG_MARKER] = os.environ["TEST_POSTGRES_URL"]
    os.environ["TEST_POSTGRES_URL"] = _worker_database(os.environ["TEST_POSTGRES_URL"], _WORKER)
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


# ---------------------------------------------------------------------- Airflow metadata DB
@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata DB in the session's AIRFLOW_HOME (needed by ``dag.test()``)."""
    migrate_metadata_db()
    return _AIRFLOW_HOME


@pytest.fixture(autouse=True)
def _fresh_secrets_masker() -> None:
    """Each test starts with empty secrets maskers, as each task process does in production (the supervisor
    resets them). ``dag.test()`` runs every task in this one process, where the masks (every token, password and
    connection URI seen) would pile up for the whole session: each new mask recompiles one alternation of all of
    them and every log line is matched against it, which made the late tests of a session several times slower."""
    for module in ("airflow.sdk._shared.secrets_masker", "airflow._shared.secrets_masker"):
        masker = sys.modules.get(module)
        if masker is not None:
            masker.reset_secrets_masker()


# ---------------------------------------------------------------------- the emulator
@pytest.fixture(scope="session")
def emulator_server():
    from cleverreach_emulator import EmulatorServer

    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_server):
    """The running emulator, reset to an empty state with default settings for each test."""
    client = emulator_server.client
    client.reset({"accounts": []})
    client.clear_faults()
    client.clear_requests()
    yield emulator_server
    client.clear_faults()


# ---------------------------------------------------------------------- CRM databases
def _postgres_fresh_schema(url: str) -> tuple[dict, str]:
    """Create a throw-away schema on the test server; returns connection fields and the schema name."""
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(parsed.set(drivername="postgresql+psycopg2"))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    fields = {
        "conn_type": "postgres",
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "login": parsed.username,
        "password": parsed.password,
        "schema": parsed.database,
        # the private state in a schema of its own (as on a real CRM); on the search path too, after the CRM's, so
        # that a test may read a private table by its plain name (the code always names the schema)
        "extra": {"options": f"-csearch_path={schema},{schema}_state", "state_schema": f"{schema}_state"},
    }
    return fields, schema


def _postgres_drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg2"))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema}_state CASCADE"))
    engine.dispose()


CRM_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=CRM_BACKENDS)
def crm_conn(request, tmp_path, monkeypatch) -> Iterator[dict]:
    """
    Connection fields of an empty CRM database with the CRM tables, registered as ``hyperspace_crm``.

    Parametrised over SQLite (always) and PostgreSQL (when TEST_POSTGRES_URL is set; each test gets
    its own schema through ``search_path``).
    """
    if request.param == "sqlite":
        fields, cleanup = {"conn_type": "sqlite", "host": str(tmp_path / "crm.db")}, None
    else:
        if not POSTGRES_URL:
            pytest.skip("TEST_POSTGRES_URL is not set")
        fields, schema = _postgres_fresh_schema(POSTGRES_URL)
        cleanup = schema
    monkeypatch.setenv("AIRFLOW_CONN_HYPERSPACE_CRM", json.dumps(fields))
    from cleverreach.crm.migrations import create_crm_tables
    from cleverreach.hooks.crm import CrmHook

    hook = CrmHook()
    create_crm_tables(hook.engine)
    hook.dispose()
    yield fields
    if cleanup:
        _postgres_drop_schema(POSTGRES_URL, cleanup)


@pytest.fixture
def crm_engine(crm_conn):
    from cleverreach.hooks.crm import CrmHook

    hook = CrmHook()
    yield hook.engine
    hook.dispose()
