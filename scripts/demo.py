"""`make demo`: the integration end to end on the embedded default.

A SQLite CRM with sample data, the CleverReach emulator on loopback with an account per tenant, and
real Airflow (``dag.test()`` on a migrated metadata DB) running the project's DAGs. Prints what
happened after each step. Everything lives in ``.demo/`` and is recreated on every run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import warnings
from pathlib import Path

from scripts.airflow_env import REPO, configure_airflow, migrate_metadata_db

WORK = REPO / ".demo"


def banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 74 - len(text)), flush=True)


def main() -> int:
    started = time.monotonic()
    warnings.filterwarnings("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"
    shutil.rmtree(WORK, ignore_errors=True)
    configure_airflow(WORK / "airflow", quiet=True)

    from cleverreach.crm.migrations import create_crm_tables
    from cleverreach.emulator import EmulatorServer
    from cleverreach.hooks.crm import CrmHook, engine_from_fields
    from cleverreach.reporting import format_table
    from scripts.demo_data import TENANTS, build_crm, build_emulator_seed, load_crm

    banner("1. Airflow metadata DB and the sample CRM")
    migrate_metadata_db()
    crm_path = WORK / "crm.db"
    os.environ["AIRFLOW_CONN_HYPERSPACE_CRM"] = json.dumps({"conn_type": "sqlite", "host": str(crm_path)})
    engine = engine_from_fields("sqlite", host=str(crm_path))
    create_crm_tables(engine)
    crm = build_crm()
    load_crm(engine, crm)
    print(f"CRM {crm_path}: " + ", ".join(f"{len(rows)} {table}" for table, rows in crm.items()))

    from scripts.airflow_runner import run_dag

    with EmulatorServer(seed=build_emulator_seed(crm)) as emulator:
        banner("2. CleverReach emulator")
        print(f"listening on {emulator.url}")
        for tenant in TENANTS:
            conn_id = f"cleverreach_{tenant['id']}"
            os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
                {"conn_type": "cleverreach", "host": emulator.url, "login": tenant["client_id"], "password": tenant["secret"]}
            )
            print(f"connection {conn_id}: client {tenant['client_id']}")

        banner("3. DAG cleverreach_import_lists (every active tenant)")
        result = run_dag("cleverreach_import_lists")
        print(f"run {result.run_id}: {result.state}")
        with engine.connect() as conn:
            from sqlalchemy import text

            rows = [dict(r._mapping) for r in conn.execute(text(
                "SELECT tenant_id, id AS list_id, external_id, name, short_description, remote_member_count "
                "FROM recipient_list ORDER BY tenant_id, external_id"))]
        print("\nrecipient_list:")
        print(format_table(rows, ["tenant_id", "list_id", "external_id", "name", "short_description", "remote_member_count"]))
        if result.state != "success":
            return 1

    CrmHook().dispose()
    engine.dispose()
    banner(f"done in {time.monotonic() - started:.0f} s; files in {WORK.relative_to(REPO)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
