"""`make bench` kind ``sync-pg``: the first sync of one list of N new members in this process, on PostgreSQL.

``sync-1m-celery`` times the sync as production runs it, on a stack that shares this machine's cores with the
scheduler and the API server; ``sync-1m`` runs it under ``dag.test()`` on SQLite. This one calls ``ListSync.run``
itself on a PostgreSQL CRM (the private state in the same database), the emulator in a process of its own, and
says where the time went: the CPU of this process, of the emulator and of PostgreSQL's server processes, and the
statements that took longest, by their first words (a ``COPY`` under its table). The figure to look at before and
after a change to how a sync writes; timings are measured, never asserted.

Its own database (``BENCH_SYNC_PG_DB``, default ``h_sync_pg_bench``) on ``BENCH_POSTGRES_URL``'s server, dropped
after the run.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scripts.airflow_env import fresh_postgres_database
from scripts.bench_memory import peak_rss_mb
from scripts.bench_scale import _account, _cpu_s, _emulator
from scripts.bench_sync_celery import GROUP_ID, _load_million
from scripts.celery_bench import postgres_url

TOP_STATEMENTS = 8


def _postgres_cpu_s() -> dict[int, float]:
    """CPU seconds so far of PostgreSQL's server processes on this machine (its backends included), by pid."""
    spent = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                spent[int(entry.name)] = _cpu_s(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return spent


def _statement_clock(engine: Any) -> Counter[str]:
    """Seconds per statement (its first 60 characters) on ``engine``, and per table for ``crm.bulk``'s COPY."""
    from sqlalchemy import event

    import cleverreach.crm.bulk as bulk

    spent: Counter[str] = Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn: Any, *_args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _ended(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        spent[" ".join(statement.split())[:60]] += time.perf_counter() - conn.info.pop("bench_started")

    copy = bulk._copy

    def timed_copy(conn: Any, table: str, names: str, rows: Any) -> None:
        started = time.perf_counter()
        try:
            copy(conn, table, names, rows)
        finally:
            spent[f"COPY {table.rsplit('_', 1)[0] if table.startswith('bulk_stage_') else table}"] += (
                time.perf_counter() - started)

    bulk._copy = timed_copy  # this process is the bench's own: nothing else runs in it
    return spent


def _drop_database(url: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def bench_sync_pg(n: int) -> dict[str, Any]:
    """See the module."""
    from sqlalchemy import create_engine

    url = fresh_postgres_database(postgres_url(), os.environ.get("BENCH_SYNC_PG_DB", "h_sync_pg_bench"))
    started = time.perf_counter()
    _load_million(url, n)
    load_s = round(time.perf_counter() - started, 1)
    with _emulator([_account("bench", [{"id": GROUP_ID, "name": "Bench"}])]) as emulator:
        from cleverreach.crm.migrations import migrate
        from cleverreach.hooks.cleverreach import CleverReachHook
        from cleverreach.lists.target import ListTarget
        from cleverreach.sync.ledger import RunLedger
        from cleverreach.sync.service import ListSync

        engine = create_engine(url)
        try:
            migrate(engine)
            spent = _statement_clock(engine)
            ours, theirs, postgres = _cpu_s(), _cpu_s(emulator.pid), _postgres_cpu_s()
            started = time.perf_counter()
            result = ListSync(CleverReachHook("cleverreach_bench"), RunLedger(engine),
                              ListTarget("bench", "1", GROUP_ID, "bench/1"), dag_id="bench", run_id="first").run(dry_run=False)
            seconds = round(time.perf_counter() - started, 1)
            # a backend born since counts from nothing; the pool's backends are still there
            cpu = [round(_cpu_s() - ours, 1), round(_cpu_s(emulator.pid) - theirs, 1),
                   round(sum(now - postgres.get(pid, 0.0) for pid, now in _postgres_cpu_s().items()), 1)]
        finally:
            engine.dispose()
    _drop_database(url)
    top = [(name, round(s, 2)) for name, s in spent.most_common(TOP_STATEMENTS)]
    return {
        "bench": "sync-pg", "n": n, "seconds": seconds, "peak_rss_mb": round(peak_rss_mb()), "load_s": load_s,
        "status": result["status"], "added": result["added"], "cpu_s": {"sync": cpu[0], "emulator": cpu[1], "postgres": cpu[2]},
        "statements": top,
        "notes": (f"first sync {result['status']} in {seconds} s ({result['added']} added); CPU: this process {cpu[0]} s, "
                  f"emulator {cpu[1]} s, PostgreSQL {cpu[2]} s (its processes on this machine); longest: "
                  + "; ".join(f"{name} {s} s" for name, s in top[:5])),
    }


KINDS = {"sync-pg": bench_sync_pg}
