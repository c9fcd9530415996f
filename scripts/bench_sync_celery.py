"""`make bench` kind ``sync-1m-celery``: one list of a million members synced on the Celery stack (issue 22 part 5).

``sync-1m`` runs the sync in ``dag.test()``: Airflow's scheduler, its execution API and the task in one process.
This one runs it as production does (``scripts.celery_bench``: CeleryExecutor, Redis, a PostgreSQL CRM and metadata
DB, one worker), so its memory figure is the one that counts: the peak RSS of the task's own process. A worker's
supervisor forks one process per task attempt; while a run goes on :class:`TaskPeaks` reads the high-water mark
(``VmHWM``) of every process the worker forks, so a task's figure is its peak from fork to exit.

Four runs, with ``reconcile_hours`` set (``sync.scope``): the first sync of the N new members (a full one); a re-sync
that must write nothing (changes only); a re-sync after a day's changes (``CHANGES``: N/500 contacts edited, 5 members
removed, 1,000 added; changes only); and a full reconciliation (``full_reconcile``) that must write nothing. Wall
time from the trigger to the run's end, the sync task's own duration and the stack's CPU. Timings are measured,
never asserted.

Its own databases (``BENCH_SYNC_CELERY_DB_PREFIX``, default ``h_sync1m_bench``) and Redis db 12.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from scripts.bench_memory import process_peak_rss_mb
from scripts.celery_bench import bench_stack, crm_execute, run_dag

GROUP_ID = "7001"
NEW_MEMBERS = 1000  # contacts loaded beyond the list's N, added to it by CHANGES
CHANGES = (
    "UPDATE contact_person SET last_name = last_name || ' neu', changed_at = now() WHERE id % 500 = 0 AND id <= :n",
    "DELETE FROM recipient_list_member WHERE list_id = 1 AND contact_person_id IN (7, 77, 777, 7777, 77777)",
    "INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
    "SELECT 1, id, now() FROM contact_person WHERE id > :n",
)
#: (label, statements run on the CRM before it, DAG params beyond tenant and list)
RUNS: tuple[tuple[str, tuple[str, ...], dict[str, Any]], ...] = (
    ("first", (), {}), ("resync", (), {}), ("resync-changed", CHANGES, {}), ("full", (), {"full_reconcile": True}),
)


def _load_million(crm_url: str, n: int) -> None:
    """The demo CRM's tables, one tenant, ``n`` contacts on one list; addresses in no order of the contact key
    (as ``sync-1m``'s ``_email``): made by PostgreSQL itself, a million rows in seconds."""
    from sqlalchemy import create_engine, text

    from cleverreach.crm.migrations import create_crm_tables

    engine = create_engine(crm_url)
    try:
        create_crm_tables(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO tenant (id, name) VALUES ('bench', 'bench')"))
            conn.execute(text("INSERT INTO address (id, tenant_id, name) VALUES (1, 'bench', 'Bench AG')"))
            conn.execute(text(
                "INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, email) "
                "SELECT g, 'bench', 1, 'Frau', 'Erika', 'Muster' || g, 'm' || lpad(to_hex((g::bigint * 2654435761) "
                "% 4294967296), 8, '0') || '.' || g || '@bench.example' FROM generate_series(1, :n) AS g"),
                {"n": n + NEW_MEMBERS})
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (1, 'bench', :g, 'Bench', CURRENT_TIMESTAMP)"), {"g": GROUP_ID})
            conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                              "SELECT 1, id, CURRENT_TIMESTAMP FROM contact_person WHERE id <= :n"), {"n": n})
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


class TaskPeaks:
    """The peak RSS of every process a worker forks while a run goes on (its task processes: one per task attempt):
    their ``VmHWM``, read every ``interval`` seconds. A high-water mark only grows, so the last read before a
    process exits is its peak, short of its last moments. The worker's own processes (its main process and Celery's
    pool, which live on from task to task) are left out: they are there before the run starts."""

    def __init__(self, worker_session: int, interval: float = 0.05) -> None:
        self.session = worker_session
        self.interval = interval
        self.peaks: dict[int, tuple[str, float]] = {}  # pid: (title, peak MB)
        self._before: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="task-peaks", daemon=True)

    def __enter__(self) -> TaskPeaks:
        self._before = {pid for pid, _title in self._processes()}
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _processes(self) -> list[tuple[int, str]]:
        from scripts.celery_stack import session_processes

        return [(pid, command) for pid, _session, command in session_processes({self.session})]

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            for pid, command in self._processes():
                if pid in self._before or (peak := process_peak_rss_mb(pid)) is None:
                    continue
                title = _title(pid) or command
                self.peaks[pid] = (title, max(peak, self.peaks.get(pid, (title, 0.0))[1]))

    def highest(self) -> tuple[str, float]:
        """The title and peak of the process that peaked highest (the sync's task; every other task is small)."""
        return max(self.peaks.values(), key=lambda item: item[1], default=("", 0.0))


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return ""


def bench_sync_celery(n: int) -> dict[str, Any]:
    """See the module."""
    from cleverreach_emulator import EmulatorClient

    accounts = [{"client_id": "bench", "client_secret": "bench-secret-123", "name": "bench",
                 "groups": [{"id": GROUP_ID, "name": "Bench"}]}]
    out: dict[str, Any] = {"bench": "sync-1m-celery", "n": n, "runs": []}
    with bench_stack("sync-1m-celery", accounts=accounts, load_crm=lambda url: _load_million(url, n),
                     db_prefix=os.environ.get("BENCH_SYNC_CELERY_DB_PREFIX", "h_sync1m_bench"), redis_db=12,
                     workers=("worker-a",), concurrency=1,
                     connection_extra={"batch_size": 1000, "page_size": 5000, "reconcile_hours": 24}) as stack:
        out["stack_up_s"] = stack.stack_up_s
        worker_session = next(p.popen.pid for p in stack.services.processes if p.name == "worker-a")
        with EmulatorClient(stack.emulator_url, timeout=600) as client:
            for label, changes, params in RUNS:
                for statement in changes:
                    crm_execute(stack.crm_url, statement, {"n": n})
                client.clear_requests()
                with TaskPeaks(worker_session) as peaks:
                    run = run_dag(stack.api, stack.services, "cleverreach_sync_recipients",
                                  {"tenant": "bench", "list_id": 1, **params}, 3600)
                title, peak = peaks.highest()
                counters = client.counters()
                sync_run = crm_execute(stack.crm_url, "SELECT status, scope, added, updated, removed, rejected, unchanged "
                                                      "FROM cleverreach.sync_run WHERE run_id = :r", {"r": run["run_id"]})
                out["runs"].append({"run": label, "state": run["state"], "seconds": run["seconds"],
                                    "sync_task_s": run["task_max_s"], "stack_cpu_s": run["stack_cpu_s"],
                                    "writes": counters["writes"], "reads": counters["reads"],
                                    "task_peak_rss_mb": round(peak), "task_processes": len(peaks.peaks),
                                    "peak_process": title, "sync_run": sync_run})
            out["receivers"] = len(client.group_receivers(GROUP_ID))
    first = out["runs"][0]
    out["seconds"] = first["seconds"]
    out["peak_rss_mb"] = max(run["task_peak_rss_mb"] for run in out["runs"])
    out["notes"] = "; ".join(
        f"{run['run']} {run['state']} in {run['seconds']} s from trigger to end (sync task {run['sync_task_s']} s, "
        f"{run['writes']} writes, {run['reads']} reads), task process peak {run['task_peak_rss_mb']} MB"
        for run in out["runs"]) + f"; {out['receivers']} receivers in the group"
    return out


KINDS = {"sync-1m-celery": bench_sync_celery}
