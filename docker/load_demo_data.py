"""Compose profile ``emulator``: the sample CRM in crm-db and the matching emulator seed (one-shot service).

Loads the tenants, addresses and contact persons of ``scripts/demo_data.py`` (the data of ``make demo``)
into the CRM database named by ``AIRFLOW_CONN_HYPERSPACE_CRM``, only while its ``tenant`` table is
empty, and writes the CleverReach accounts for those tenants (client ids and secrets of the demo
connections in .env.example) as the emulator's seed file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sqlalchemy import text

from cleverreach.crm.migrations import create_crm_tables
from cleverreach.hooks.crm import engine_from_fields
from scripts.demo_data import build_crm, build_emulator_seed, load_crm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", required=True, help="where to write the emulator's seed (JSON)")
    args = parser.parse_args()

    fields = json.loads(os.environ["AIRFLOW_CONN_HYPERSPACE_CRM"])
    engine = engine_from_fields(
        fields["conn_type"], host=fields.get("host"), port=fields.get("port"), login=fields.get("login"),
        password=fields.get("password"), schema=fields.get("schema"), extra=fields.get("extra") or {},
    )
    crm = build_crm()
    try:
        create_crm_tables(engine)  # crm-db created them already (docker/crm_schema.postgresql.sql); idempotent
        with engine.connect() as conn:
            tenants = conn.execute(text("SELECT count(*) FROM tenant")).scalar_one()
        if tenants:
            print(f"the CRM has {tenants} tenants already; sample data not loaded")
        else:
            load_crm(engine, crm)
            print("sample CRM loaded: " + ", ".join(f"{len(rows)} {table}" for table, rows in crm.items()))
    finally:
        engine.dispose()
    seed = Path(args.seed)
    seed.parent.mkdir(parents=True, exist_ok=True)
    seed.write_text(json.dumps(build_emulator_seed(crm), ensure_ascii=False))
    seed.chmod(0o644)
    print(f"emulator seed written to {seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
