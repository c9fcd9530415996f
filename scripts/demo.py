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


def query(engine, sql: str, **params) -> list[dict]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def main() -> int:
    started = time.monotonic()
    warnings.filterwarnings("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"
    shutil.rmtree(WORK, ignore_errors=True)
    configure_airflow(WORK / "airflow", quiet=True)

    from cleverreach.crm.migrations import create_crm_tables
    from cleverreach_emulator import EmulatorServer
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
        rows = query(engine, "SELECT tenant_id, id AS list_id, external_id, name, short_description, "
                             "remote_member_count FROM recipient_list ORDER BY tenant_id, external_id")
        print("\nrecipient_list:")
        print(format_table(rows, ["tenant_id", "list_id", "external_id", "name", "short_description", "remote_member_count"]))
        if result.state != "success":
            return 1

        acme_list = next(r for r in rows if r["tenant_id"] == "acme" and r["external_id"] == "1001")
        list_id = acme_list["list_id"]

        banner(f"4. DAG cleverreach_manage_members: add category 'Kunde' to list {list_id} (acme)")
        result = run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": list_id, "action": "add",
                                                       "category": "Kunde", "sync_after": False})
        print(f"run: {result.state}; {result.value('manage_members')}")
        no_mail = [r["id"] for r in query(engine, "SELECT id FROM contact_person WHERE tenant_id = 'acme' AND "
                                                  "(email IS NULL OR email NOT LIKE '%@%.%') ORDER BY id LIMIT 2")]
        result = run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": list_id, "action": "add",
                                                       "contact_ids": no_mail, "sync_after": False})
        print(f"and contacts {no_mail} by id: {result.state}; {result.value('manage_members')}")

        banner("5. DAG cleverreach_sync_recipients, dry run: the stored plan")
        writes_before = emulator.client.counters()["writes"]
        result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": list_id, "dry_run": True})
        print(f"run: {result.state}; {result.returns['sync_list'][0]}")
        sync_run_id = result.returns["sync_list"][0]["sync_run_id"]
        print(format_table(query(engine, "SELECT action, contact_person_id, email, reason, result FROM sync_change "
                                         "WHERE run_id = :r ORDER BY action, contact_person_id", r=sync_run_id),
                           ["action", "contact_person_id", "email", "reason", "result"]))
        print(f"CleverReach write calls during the dry run: {emulator.client.counters()['writes'] - writes_before}")

        banner("6. DAG cleverreach_sync_recipients: apply")
        result = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": list_id})
        print(f"run: {result.state}; {result.returns['sync_list'][0]}")
        print(format_table(query(engine, """
            SELECT m.contact_person_id, cp.first_name, cp.last_name, a.name AS company, m.sync_state, m.sync_error
            FROM recipient_list_member m JOIN contact_person cp ON cp.id = m.contact_person_id
            LEFT JOIN address a ON a.id = cp.address_id WHERE m.list_id = :l ORDER BY m.contact_person_id""", l=list_id),
            ["contact_person_id", "first_name", "last_name", "company", "sync_state", "sync_error"]))
        receivers = emulator.client.group_receivers("1001")
        owned = sum(1 for r in receivers if r["global_attributes"].get("ext_id"))
        print(f"group 1001 in CleverReach: {len(receivers)} receivers, {owned} carry our ext_id, "
              f"{len(receivers) - owned} are form sign-ups or imports we never touch")

        banner("7. DAG cleverreach_sync_recipients for every list of every tenant, then again: nothing to do")
        result = run_dag("cleverreach_sync_recipients")
        print(f"every list: {result.state}; {len(result.returns['sync_list'])} lists synced")
        before = emulator.client.counters()["writes"]
        result = run_dag("cleverreach_sync_recipients")
        print(format_table(result.value("summarize"), ["tenant_id", "list_id", "added", "updated", "removed",
                                                       "rejected", "unchanged"]))
        resync_writes = emulator.client.counters()["writes"] - before
        print(f"again: {result.state}; CleverReach write calls of the re-sync of every list: {resync_writes}")
        if resync_writes:
            raise SystemExit("an immediate re-sync must not write to CleverReach")

        banner("8. DAG cleverreach_sync_mail_history: sent mails into the contact history")
        result = run_dag("cleverreach_sync_mail_history")
        print(f"run: {result.state}")
        print(format_table(result.value("summarize"), ["tenant_id", "mailings_seen", "mailings_loaded", "rows_inserted",
                                                       "rows_existing", "unmatched", "watermark"]))
        print(format_table(query(engine, """
            SELECT h.contact_person_id, cp.first_name || ' ' || cp.last_name AS contact, h.occurred_at, h.kind, h.subject, h.detail
            FROM contact_history h JOIN contact_person cp ON cp.id = h.contact_person_id
            WHERE h.contact_person_id IN (SELECT contact_person_id FROM contact_history WHERE kind <> 'mail_sent')
            ORDER BY h.contact_person_id, h.occurred_at LIMIT 14"""),
            ["contact_person_id", "contact", "occurred_at", "kind", "subject", "detail"]))
        result = run_dag("cleverreach_sync_mail_history")
        print(f"again: {sum(r['rows_inserted'] for r in result.returns['load_history'])} new rows")

        banner("9. DAG cleverreach_api_check (acme): which assumptions about CleverReach hold")
        result = run_dag("cleverreach_api_check", {"tenant": "acme", "test_emails": ["newsletter-test@acme.example"]})
        left = [g for a in emulator.client.state(receivers=False)["accounts"] for g in a["groups"]
                if g["name"].startswith("cleverreach-api-check-")]
        print(f"run: {result.state}; scratch groups left in the account: {len(left)}")
        print(format_table(result.value("check_api"), ["assumption", "expected", "result", "seen"]))

    CrmHook().dispose()
    engine.dispose()
    banner(f"done in {time.monotonic() - started:.0f} s; files in {WORK.relative_to(REPO)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
