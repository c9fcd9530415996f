"""The provider wheel on its own: what it contains, what it pulls in, and that Airflow runs it in a fresh venv.

Nothing of the checkout may leak into the installed provider: the venv has no system site packages,
Airflow's plugins folder is empty and the environment carries none of the test session's settings.
Only the CRM adapter's SQL comes from the checkout (``include/sql``), as a deployment provides it.
"""

from __future__ import annotations

import json
import re
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from helpers.airflow_home import airflow_settings
from helpers.crm_seed import add_tenants, fetch
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import cleverreach
from cleverreach.get_provider_info import PACKAGE_NAME

PACKAGE = Path("plugins") / "cleverreach"  # below the source snapshot (fixture source_tree)
DIST_INFO = f"airflow_provider_cleverreach-{cleverreach.__version__}.dist-info"
TEST_TOOLS = {"pytest", "hypothesis", "selenium", "fastapi", "uvicorn"}
DAG_ID = "cleverreach_import_lists"
ACCOUNTS = {"acme": ("acme-client", "acme-secret-0001"), "beta": ("beta-client", "beta-secret-0002")}


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        return Parser().parsestr(archive.read(f"{DIST_INFO}/METADATA").decode())


def _source_files(source_tree: Path, pattern: str) -> set[str]:
    package = source_tree / PACKAGE
    return {f"cleverreach/{p.relative_to(package).as_posix()}" for p in package.rglob(pattern)}


def _migrations(source_tree: Path) -> list[str]:
    """Stems of the migrations, each once (``0007_x.sqlite.sql`` and ``0007_x.postgresql.sql`` are one)."""
    return sorted({p.name.split(".")[0] for p in (source_tree / PACKAGE / "sql" / "state").glob("*.sql")})


# ---------------------------------------------------------------------- the wheel's contents
def test_wheel_holds_the_package_its_sql_and_nothing_else(wheel, source_tree):
    names = set(_names(wheel))
    assert {name.split("/")[0] for name in names} == {"cleverreach", DIST_INFO}  # no tests/, include/, dags/
    modules, sql = _source_files(source_tree, "*.py"), _source_files(source_tree, "*.sql")
    assert modules and sql
    assert modules | sql <= names
    assert {n for n in names if n.startswith("cleverreach/sql/")} == sql
    assert any(n.startswith("cleverreach/sql/state/") for n in sql)
    assert not any(n.endswith((".pyc", ".md", ".cfg")) for n in names)


def test_wheel_has_no_emulator(wheel):
    assert not [n for n in _names(wheel) if "emulator" in n.lower()]


def test_wheel_registers_the_provider_entry_point(wheel):
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(f"{DIST_INFO}/entry_points.txt").decode()
    assert "[apache_airflow_provider]" in entry_points
    assert "provider_info = cleverreach.get_provider_info:get_provider_info" in entry_points


def test_declared_dependencies_pull_in_no_test_tool(wheel):
    metadata = _metadata(wheel)
    assert metadata["Name"] == PACKAGE_NAME and metadata["Version"] == cleverreach.__version__
    declared = {canonicalize_name(Requirement(line).name) for line in metadata.get_all("Requires-Dist") or []}
    assert "apache-airflow" in declared
    assert declared & TEST_TOOLS == set()


# ---------------------------------------------------------------------- installed in a fresh venv
def test_fresh_venv_imports_the_provider_from_the_wheel_without_test_tools(fresh_venv, source_tree):
    probe = (
        "import importlib.util, json, sys, cleverreach, cleverreach.crm.sql as sql;"
        "print(json.dumps({'package': cleverreach.__file__, 'sql': str(sql.PACKAGE_SQL_DIR),"
        " 'migrations': sorted(p.name for p in (sql.PACKAGE_SQL_DIR / 'state').glob('*.sql')),"
        " 'site_dirs': [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))],"
        " 'tools': [m for m in ('pytest', 'hypothesis', 'selenium') if importlib.util.find_spec(m)]}))"
    )
    found = json.loads(fresh_venv.run("python", "-c", probe, cwd=fresh_venv.root))
    assert Path(found["package"]).is_relative_to(fresh_venv.root)
    assert Path(found["sql"]).is_relative_to(fresh_venv.root)
    assert sorted({name.split(".")[0] for name in found["migrations"]}) == _migrations(source_tree)
    assert found["site_dirs"] and all(Path(p).is_relative_to(fresh_venv.root) for p in found["site_dirs"])
    assert found["tools"] == []


def test_airflow_lists_the_provider(fresh_venv, tmp_path):
    settings = airflow_settings(tmp_path / "airflow")
    providers = json.loads(fresh_venv.run("airflow", "providers", "list", "--output", "json", cwd=tmp_path, **settings))
    assert {"package_name": PACKAGE_NAME, "version": cleverreach.__version__} in [
        {"package_name": p["package_name"], "version": p["version"]} for p in providers
    ]


@pytest.fixture
def crm_file(tmp_path) -> Path:
    """A SQLite CRM with the CRM's own tables and two active tenants."""
    from cleverreach.crm.migrations import create_crm_tables
    from cleverreach.hooks.crm import engine_from_fields

    path = tmp_path / "crm.db"
    engine = engine_from_fields("sqlite", host=str(path))
    create_crm_tables(engine)
    add_tenants(engine, {"id": "acme", "name": "ACME GmbH"}, {"id": "beta", "name": "Beta AG"})
    engine.dispose()
    return path


def test_a_dag_runs_with_the_installed_provider(fresh_venv, source_tree, tmp_path, crm_file, emulator):
    emulator.client.reset({
        "accounts": [
            {"client_id": ACCOUNTS["acme"][0], "client_secret": ACCOUNTS["acme"][1], "groups": [
                {"id": "1001", "name": "Newsletter", "receivers": [{"email": f"a{i}@example.org"} for i in range(3)]},
                {"id": "1002", "name": "Kunden", "receivers": []},
            ]},
            {"client_id": ACCOUNTS["beta"][0], "client_secret": ACCOUNTS["beta"][1], "groups": [
                {"id": "2001", "name": "Presse", "receivers": [{"email": "p@example.org"}]},
            ]},
        ]
    })
    home = tmp_path / "airflow"
    connections = {
        f"AIRFLOW_CONN_CLEVERREACH_{tenant.upper()}": json.dumps(
            {"conn_type": "cleverreach", "host": emulator.url, "login": client_id, "password": secret}
        )
        for tenant, (client_id, secret) in ACCOUNTS.items()
    }
    settings = {
        **airflow_settings(home),
        **connections,
        "AIRFLOW_CONN_HYPERSPACE_CRM": json.dumps({"conn_type": "sqlite", "host": str(crm_file)}),
        "AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR": str(source_tree / "include" / "sql"),
    }
    (home / "dags" / f"{DAG_ID}.py").write_bytes((source_tree / "dags" / f"{DAG_ID}.py").read_bytes())
    fresh_venv.run("airflow", "db", "migrate", cwd=tmp_path, **settings)
    output = fresh_venv.run("airflow", "dags", "test", DAG_ID, cwd=tmp_path, **settings)
    finished = re.search(rf"DagRun Finished: dag_id={DAG_ID},.*?state=(\w+)", output)
    assert finished and finished.group(1) == "success", output[-3000:]

    from cleverreach.hooks.crm import engine_from_fields

    engine = engine_from_fields("sqlite", host=str(crm_file))
    try:
        imported = fetch(engine, "SELECT tenant_id, external_id, name, remote_member_count FROM recipient_list ORDER BY external_id")
        migrations = fetch(engine, "SELECT name FROM cleverreach_schema_migration ORDER BY version")
    finally:
        engine.dispose()
    assert [(r["tenant_id"], r["external_id"], r["name"], r["remote_member_count"]) for r in imported] == [
        ("acme", "1001", "Newsletter", 3),
        ("acme", "1002", "Kunden", 0),
        ("beta", "2001", "Presse", 1),
    ]
    assert [r["name"] for r in migrations] == _migrations(source_tree)
