"""`make bench` kind ``fanout-celery``: 200 tenants x 3 lists x 20 members on the Celery stack (issue 22 part 4).

The compose stack's Airflow as processes (``scripts.celery_stack``: CeleryExecutor, Redis, PostgreSQL, two
workers), the emulator, a PostgreSQL CRM. It imports every tenant's groups, gives every list the tenant's
members, triggers the sync of all tenants and reports the wall time from the trigger to the run's end, the
mapped tasks' times and the stack's CPU time; then deletes one list's group in the emulator and syncs again, to
show that the others finish while the run turns red. Timings are measured and reported, never asserted.

``fanout-celery`` uses ``[cleverreach] lists_per_task`` as configured (its default); ``fanout-celery-per-list``
sets it to 1, one task per list as before batching. Its own databases (``BENCH_FANOUT_DB_PREFIX``, default
``h_fanout_bench``: ``<prefix>_meta`` and ``<prefix>_crm`` on ``BENCH_POSTGRES_URL``/``TEST_POSTGRES_URL``), Redis db
``BENCH_FANOUT_REDIS_DB`` (11) and free ports: never the distributed test's. ``BENCH_FANOUT_IMPORT=0`` writes the
lists into the CRM as the import would (ids and group ids) instead of running the import DAG;
``BENCH_FANOUT_FAILING=0`` leaves out the run with a deleted group.
"""

from __future__ import annotations

from typing import Any

from scripts.celery_bench import bench_stack, crm_execute, run_dag

MEMBERS = 20
STATE_SCHEMA = "cleverreach"  # the integration's private state on a PostgreSQL CRM (its default state schema)


def _load_crm(crm_url: str, tenants: list[str]) -> None:
    from sqlalchemy import create_engine, text

    from cleverreach.crm.migrations import create_crm_tables

    engine = create_engine(crm_url)
    try:
        create_crm_tables(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO tenant (id, name) VALUES (:id, :id)"), [{"id": t} for t in tenants])
            conn.execute(text("INSERT INTO address (id, tenant_id, name) VALUES (:id, :t, 'Bench AG')"),
                         [{"id": n * 1000, "t": t} for n, t in enumerate(tenants, 1)])
            conn.execute(text("INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, "
                              "email) VALUES (:id, :t, :a, 'Frau', 'Erika', :last, :email)"),
                         [{"id": n * 1000 + i, "t": t, "a": n * 1000, "last": f"Muster{i}",
                           "email": f"member{i}@{t}.example"}
                          for n, t in enumerate(tenants, 1) for i in range(1, MEMBERS + 1)])
    finally:
        engine.dispose()


def bench_fanout_celery(tenants: int, lists: int = 3, lists_per_task: int | None = None,
                        failing_run: bool = True) -> dict[str, Any]:
    """See the module."""
    import os

    from cleverreach_emulator import EmulatorClient

    kind = "fanout-celery" if lists_per_task is None else f"fanout-celery-{lists_per_task}"
    ids = [f"t{n:03d}" for n in range(1, tenants + 1)]
    accounts = [{"client_id": t, "client_secret": f"{t}-secret-123", "name": t,
                 "groups": [{"id": str(n * 10 + g), "name": f"Liste {g}"} for g in range(1, lists + 1)]}
                for n, t in enumerate(ids, 1)]
    out: dict[str, Any] = {"bench": kind, "n": tenants, "lists": tenants * lists, "members_per_list": MEMBERS}
    settings = {} if lists_per_task is None else {"AIRFLOW__CLEVERREACH__LISTS_PER_TASK": str(lists_per_task)}
    with bench_stack(kind, accounts=accounts, load_crm=lambda url: _load_crm(url, ids),
                     db_prefix=os.environ.get("BENCH_FANOUT_DB_PREFIX", "h_fanout_bench"),
                     redis_db=int(os.environ.get("BENCH_FANOUT_REDIS_DB", "11")), settings=settings) as stack:
        api, services, crm_url = stack.api, stack.services, stack.crm_url
        out["settings"] = {k.split("__")[-1].lower(): stack.env.get(k) for k in (
            "AIRFLOW__CLEVERREACH__LISTS_PER_TASK", "AIRFLOW__CLEVERREACH__TENANT_PARALLELISM",
            "AIRFLOW__CLEVERREACH__API_POOL_SLOTS", "AIRFLOW__CORE__PARALLELISM")}
        out["settings"]["workers"] = "2 x concurrency 2"
        out["stack_up_s"] = stack.stack_up_s
        if os.environ.get("BENCH_FANOUT_IMPORT", "1") == "0":  # the lists as the import makes them, without its run
            crm_execute(crm_url, "INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES "
                        + ", ".join(f"({n * 10 + g}, '{t}', '{n * 10 + g}', 'Liste {g}', CURRENT_TIMESTAMP)"
                                    for n, t in enumerate(ids, 1) for g in range(1, lists + 1)))
        else:
            out["import"] = run_dag(api, services, "cleverreach_import_lists", {"tenant": None}, 3600)
        crm_execute(crm_url, "INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                             "SELECT l.id, c.id, CURRENT_TIMESTAMP FROM recipient_list l "
                             "JOIN contact_person c ON c.tenant_id = l.tenant_id")
        with EmulatorClient(stack.emulator_url, timeout=120) as client:
            client.clear_requests()
            out["sync"] = run_dag(api, services, "cleverreach_sync_recipients", {"tenant": None}, 3600)
            out["sync"]["api_calls"] = client.counters()["reads"] + client.counters()["writes"]
            out["sync"]["receivers"] = sum(len(client.group_receivers(str(n * 10 + g)))
                                           for n in (1, tenants) for g in range(1, lists + 1))
            if failing_run and os.environ.get("BENCH_FANOUT_FAILING", "1") != "0":
                # one list's group deleted: its sync fails (the group is confirmed gone), every other list syncs
                client.delete_group(ids[0], "12")
                out["failing"] = run_dag(api, services, "cleverreach_sync_recipients", {"tenant": None}, 3600)
                rows = crm_execute(crm_url, f"SELECT status, count(*) AS n FROM {STATE_SCHEMA}.sync_run WHERE run_id = "
                                            f"'{out['failing']['run_id']}' GROUP BY status")
                out["failing"]["sync_runs"] = {r["status"]: r["n"] for r in rows}
                out["failing"]["lists_gone"] = len(crm_execute(
                    crm_url, "SELECT id FROM recipient_list WHERE remote_deleted_at IS NOT NULL"))
    sync = out.get("sync", {})
    out["seconds"] = sync.get("seconds")
    out["peak_rss_mb"] = 0
    out["notes"] = (f"sync of {out['lists']} lists {sync.get('state')} in {sync.get('seconds')} s from trigger to end "
                    f"({sync.get('mapped')} mapped tasks, mean {sync.get('task_mean_s')} s, stack CPU "
                    f"{sync.get('stack_cpu_s')} s); import {out.get('import', {}).get('seconds')} s; "
                    + (f"with one group deleted: {out['failing']['state']}, tasks {out['failing']['mapped_states']}, "
                       f"sync_runs {out['failing'].get('sync_runs')}" if "failing" in out else ""))
    return out


KINDS = {"fanout-celery": bench_fanout_celery,
         "fanout-celery-per-list": lambda n: bench_fanout_celery(n, lists_per_task=1, failing_run=False)}
PLANS = [("fanout-celery", 200)]
