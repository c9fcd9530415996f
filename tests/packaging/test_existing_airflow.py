"""The recipe "Installing into an Airflow you already run" (docs/operations.md), followed to the letter.

The customer's Airflow was installed before the provider (``fresh_venv`` installs apache-airflow first, then
the wheel, each under the constraints). The customer's Airflow home, its ``dags/`` folder and its CRM adapter
folder lie outside the checkout: the seven DAG files are copied there, the adapter folder is the customer's
copy of ``include/sql``, named by ``AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR``. Then import and sync run there
through ``airflow dags test`` against the emulator, and the group holds the list's members.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers.airflow_home import airflow_settings
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch

from cleverreach.crm.migrations import create_crm_tables
from cleverreach.hooks.crm import engine_from_fields

CONTRACT_DAGS = {
    "cleverreach_import_lists", "cleverreach_manage_members", "cleverreach_sync_recipients",
    "cleverreach_sync_mail_history", "cleverreach_api_check", "cleverreach_check_crm", "cleverreach_erase_contact",
}
CLIENT = ("acme-client", "acme-secret-0001")
TENANT = "0042"  # a tenant id that looks like a number, as a customer's CRM has them
CONTACTS = [
    {"id": 7, "tenant_id": TENANT, "first_name": "Anna", "last_name": "Arndt", "email": "anna@example.org"},
    {"id": 8, "tenant_id": TENANT, "first_name": "Bernd", "last_name": "Bauer", "email": "Bernd.Bauer@Example.org"},
    {"id": 9, "tenant_id": TENANT, "first_name": "Cem", "last_name": "Celik", "email": None},  # rejected: no e-mail
]


@pytest.fixture
def customer(tmp_path: Path, source_tree: Path) -> dict[str, Path]:
    """The customer's side: an Airflow home with its own dags folder, an adapter folder and a CRM file."""
    home = tmp_path / "customer" / "airflow"
    (home / "dags").mkdir(parents=True)
    for dag_file in (source_tree / "dags").glob("cleverreach_*.py"):  # recipe step 2: copy the DAG files
        shutil.copy(dag_file, home / "dags" / dag_file.name)
    adapter = tmp_path / "customer" / "crm_adapter"  # recipe step 3: the adapter folder of their own
    shutil.copytree(source_tree / "include" / "sql", adapter)
    crm = tmp_path / "customer" / "crm.db"
    engine = engine_from_fields("sqlite", host=str(crm))
    try:
        create_crm_tables(engine)
        add_tenants(engine, {"id": TENANT, "name": "ACME GmbH"})
        add_contacts(engine, CONTACTS)
    finally:
        engine.dispose()
    return {"home": home, "adapter": adapter, "crm": crm}


def _settings(customer: dict[str, Path], emulator_url: str) -> dict[str, str]:
    return {
        **airflow_settings(customer["home"]),
        "AIRFLOW__CLEVERREACH__CRM_ADAPTER_DIR": str(customer["adapter"]),
        f"AIRFLOW_CONN_CLEVERREACH_{TENANT}": json.dumps(
            {"conn_type": "cleverreach", "host": emulator_url, "login": CLIENT[0], "password": CLIENT[1]}),
        "AIRFLOW_CONN_HYPERSPACE_CRM": json.dumps({"conn_type": "sqlite", "host": str(customer["crm"])}),
    }


def _json_of(output: str):
    """The JSON an ``airflow … --output json`` printed, after any log lines of its own."""
    return json.loads(next(line for line in reversed(output.splitlines()) if line.startswith(("[", "{"))))


def _dag_test(venv, dag_id: str, conf: dict, cwd: Path, settings: dict[str, str]) -> None:
    output = venv.run("airflow", "dags", "test", dag_id, "--conf", json.dumps(conf), cwd=cwd, **settings)
    finished = re.search(rf"DagRun Finished: dag_id={dag_id},.*?state=(\w+)", output)
    assert finished and finished.group(1) == "success", output[-3000:]


def test_installing_the_provider_changes_nothing_the_existing_airflow_had(fresh_venv):
    after = fresh_venv.freeze()
    changed = {name: (version, after.get(name)) for name, version in fresh_venv.before.items() if after.get(name) != version}
    assert changed == {}
    assert "airflow-provider-cleverreach" in set(after) - set(fresh_venv.before)


def test_an_existing_airflow_imports_and_syncs_from_its_own_folders(fresh_venv, customer, emulator, tmp_path):
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT[0], "client_secret": CLIENT[1],
        "groups": [{"id": "1001", "name": "Newsletter", "receivers": []}],
    }]})
    settings = _settings(customer, emulator.url)
    fresh_venv.run("airflow", "db", "migrate", cwd=tmp_path, **settings)
    fresh_venv.run("airflow", "pools", "set", "cleverreach_api", "8", "CleverReach API calls", cwd=tmp_path, **settings)

    errors = _json_of(fresh_venv.run("airflow", "dags", "list-import-errors", "--local", "--output", "json", cwd=tmp_path, **settings))
    assert errors == []
    listed = _json_of(fresh_venv.run("airflow", "dags", "list", "--local", "--output", "json", cwd=tmp_path, **settings))
    assert CONTRACT_DAGS <= {dag["dag_id"] for dag in listed}
    assert {Path(dag["fileloc"]).parent for dag in listed if dag["dag_id"] in CONTRACT_DAGS} == {customer["home"] / "dags"}

    _dag_test(fresh_venv, "cleverreach_import_lists", {"tenant": TENANT}, tmp_path, settings)
    engine = engine_from_fields("sqlite", host=str(customer["crm"]))
    try:
        (imported,) = fetch(engine, "SELECT id, tenant_id, external_id, name FROM recipient_list")
        assert (imported["tenant_id"], imported["external_id"], imported["name"]) == (TENANT, "1001", "Newsletter")
        add_members(engine, imported["id"], [c["id"] for c in CONTACTS])

        _dag_test(fresh_venv, "cleverreach_sync_recipients", {"tenant": TENANT}, tmp_path, settings)
        states = {r["contact_person_id"]: r["sync_state"] for r in fetch(
            engine, "SELECT contact_person_id, sync_state FROM recipient_list_member")}
        runs = fetch(engine, "SELECT status, added, rejected FROM sync_run")
    finally:
        engine.dispose()

    receivers = {r["email"]: r.get("global_attributes", {}).get("ext_id") for r in emulator.client.group_receivers("1001")}
    assert receivers == {"anna@example.org": "7", "Bernd.Bauer@example.org": "8"}  # the domain in lower case
    assert states == {7: "synced", 8: "synced", 9: "rejected"}
    assert [(r["status"], r["added"], r["rejected"]) for r in runs] == [("success", 2, 1)]
