"""`make bench`, the scale targets of issue 13: each through Airflow (``dag.test()``) against the emulator
running in its own process, on a SQLite CRM. Timings are measured and reported, never asserted.

* ``sync-1m``: the first sync of one list of N (1,000,000) members, then an immediate re-sync, each in a fresh
  process as a worker runs a task (``_measured_run``);
* ``sync-1m-uuid``: the same with contacts keyed by UUID: the demo CRM's tables with a text UUID contact key
  (``_uuid_adapter``), the shipped queries, ``adapter.toml`` declaring ``contact = "uuid"``; same data, same rows;
* ``fanout``: 200 tenants with 3 lists each: import, then sync; the overhead per mapped task (``BENCH_FANOUT_IMPORT=0``:
  the lists written into the CRM as the import makes them, the sync alone);
* ``history-1m``: the mail history of one mailing sent to N (1,000,000) receivers, with opens and clicks,
  from an emulator that clamps report pages to 100 (its default); ``history-1m-5000``: the same from an
  emulator that honours report pages of 5000 (``report_max_pagesize``), the size the history asks for.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts.airflow_env import REPO
from scripts.bench_memory import peak_rss_mb, reset_peak_rss, rss_mb, run_peak_rss_mb

WORK = REPO / ".bench" / "scale"
UPSERT = "POST /v3/groups/{id}/receivers/upsert"


def _fill_million(path: str, n: int, uuid_keys: bool) -> None:
    """The CRM's contacts and the list's members (in a child process: a million rows built in Python must not
    stay in the bench process, whose peak memory is the sync's)."""
    from sqlalchemy import text

    from cleverreach.hooks.crm import engine_from_fields

    engine = engine_from_fields("sqlite", host=path)
    _add_contacts(engine, "bench", 1, n, key=_uuid_key if uuid_keys else None, email=_email)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'bench', '7001', 'Bench', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                          "SELECT 1, id, CURRENT_TIMESTAMP FROM contact_person"))
    engine.dispose()


def _prepare_airflow(kind: str) -> None:
    """A fresh working folder per kind (``.bench/scale/<kind>``), so that two kinds may run at once."""
    from scripts.airflow_env import configure_airflow, migrate_metadata_db

    global WORK
    WORK = WORK / kind
    shutil.rmtree(WORK, ignore_errors=True)
    configure_airflow(WORK / "airflow", quiet=True)
    migrate_metadata_db()


def _crm(tenants: list[str]):
    """A fresh SQLite CRM with its tables, the integration's migrations and the tenants."""
    from sqlalchemy import text

    from cleverreach.crm.migrations import create_crm_tables, migrate
    from cleverreach.hooks.crm import engine_from_fields

    path = WORK / "crm.db"
    engine = engine_from_fields("sqlite", host=str(path))
    create_crm_tables(engine)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name) VALUES (:id, :id)"), [{"id": t} for t in tenants])
    import os

    os.environ["AIRFLOW_CONN_HYPERSPACE_CRM"] = json.dumps({"conn_type": "sqlite", "host": str(path)})
    return engine


def _uuid_key(number: int) -> str:
    """Contact ``number``'s UUID: random-looking (a name-based UUID), so that keys arrive in no useful order."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://crm.example/contacts/{number}"))


def _email(number: int, tenant: str) -> str:
    """Contact ``number``'s address, in no order of the key: a person's address has nothing to do with their id,
    and an address that sorts like the key (``member1000`` … ``member1999``) would let a batch of consecutive
    keys write its ownership and plan rows into neighbouring index pages, which no real CRM offers."""
    return f"m{(number * 2_654_435_761) % 4_294_967_296:08x}.{number}@{tenant}.example"


def _uuid_adapter() -> Path:
    """The demo adapter for a CRM that keys contacts by UUID: the shipped queries as they are, the demo CRM's
    tables with a text contact key (SQLite has no uuid type), and ``adapter.toml`` declaring ``contact = "uuid"``.
    Only the key's type differs from ``sync-1m``'s CRM."""
    shipped = REPO / "include" / "sql"
    folder = WORK / "adapter"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(shipped / "queries", folder / "queries")
    (folder / "crm").mkdir()
    changed = 0
    for path in sorted((shipped / "crm").glob("*.sql")):
        ddl, n_pk = re.subn(r"(CREATE TABLE IF NOT EXISTS contact_person \(\s*id) integer PRIMARY KEY",
                            r"\1 text PRIMARY KEY", path.read_text(encoding="utf-8"))
        ddl, n_fk = re.subn(r"\bcontact_person_id integer\b", "contact_person_id text", ddl)
        changed += n_pk + n_fk
        (folder / "crm" / path.name).write_text(ddl, encoding="utf-8")
    if changed < 3:  # the person's key, the member's and the history's reference
        raise SystemExit(f"the demo CRM's DDL changed: only {changed} contact key columns made text")
    (folder / "adapter.toml").write_text('[keys]\ncontact = "uuid"\nlist = "integer"\ngroup = "text"\n')
    return folder


def _add_contacts(engine, tenant: str, first_id: int, count: int, list_id: int | None = None,
                  key=None, email=None) -> None:
    """``count`` contact persons (and, with ``list_id``, their list memberships), in one transaction; ``key``
    turns a contact's number into its key (default: the number), ``email`` into its address (default
    ``member<number>@<tenant>.example``, which the history bench's receivers carry)."""
    from sqlalchemy import text

    key = key or (lambda number: number)
    email = email or (lambda number, tenant: f"member{number}@{tenant}.example")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO address (id, tenant_id, name) VALUES (:id, :t, 'Bench AG')"),
                     {"id": first_id, "t": tenant})
        conn.execute(
            text("INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, email) "
                 "VALUES (:id, :t, :a, 'Frau', 'Erika', :last, :email)"),
            [{"id": key(i), "t": tenant, "a": first_id, "last": f"Muster{i}", "email": email(i, tenant)}
             for i in range(first_id, first_id + count)],
        )
        if list_id is not None:
            conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                              "SELECT :l, id, CURRENT_TIMESTAMP FROM contact_person WHERE address_id = :a"),
                         {"l": list_id, "a": first_id})


@contextmanager
def _emulator(accounts: list[dict[str, Any]], settings: dict[str, Any] | None = None) -> Iterator[Any]:
    """The emulator in its own process (with ``settings``), one connection per account
    (``AIRFLOW_CONN_CLEVERREACH_<ID>``)."""
    import os

    from cleverreach_emulator import EmulatorClient

    seed = WORK / "seed.json"
    seed.parent.mkdir(parents=True, exist_ok=True)  # sync-pg's run has no Airflow home made there first
    seed.write_text(json.dumps({"accounts": accounts}))
    server = subprocess.Popen([sys.executable, "-m", "cleverreach_emulator", "--seed", str(seed), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip()
        for account in accounts:
            os.environ[f"AIRFLOW_CONN_CLEVERREACH_{account['client_id'].upper()}"] = json.dumps({
                "conn_type": "cleverreach", "host": url, "login": account["client_id"],
                "password": account["client_secret"], "extra": {"batch_size": 1000, "page_size": 5000}})
        with EmulatorClient(url, timeout=600) as client:
            client.pid = server.pid
            if settings:
                client.update_settings(**settings)
            yield client
    finally:
        server.terminate()
        server.wait(timeout=30)


def _account(tenant: str, groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {"client_id": tenant, "client_secret": f"{tenant}-secret-123", "name": tenant, "groups": groups}


def _calls(counters: dict) -> int:
    return counters["reads"] + counters["writes"] + counters["token_requests"]


def _cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process, or of another one (the emulator): unlike wall time,
    they do not grow when other work shares the two cores."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_dag(dag_id: str, conf: dict, label: str, emulator_pid: int) -> tuple[Any, dict[str, float]]:
    """``run_dag`` with its wall time, this process's and the emulator's CPU time; with BENCH_PROFILE=1
    also a cProfile of this process (``.bench/scale/profile-<label>.txt``, the top 40 by cumulative time)."""
    from scripts.airflow_runner import run_dag

    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
    cpu, emulator_cpu, started = _cpu_s(), _cpu_s(emulator_pid), time.perf_counter()
    if profiler:
        profiler.enable()
    result = run_dag(dag_id, conf)
    if profiler:
        profiler.disable()
    times = {"seconds": round(time.perf_counter() - started, 1), "cpu_s": round(_cpu_s() - cpu, 1),
             "emulator_cpu_s": round(_cpu_s(emulator_pid) - emulator_cpu, 1)}
    if profiler:
        import io
        import pstats

        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        (WORK / f"profile-{label}.txt").write_text(out.getvalue())
        profiler.dump_stats(str(WORK / f"profile-{label}.prof"))  # the whole profile, for pstats or snakeviz
    return result, times


# ---------------------------------------------------------------------- one list of a million members
def _in_fresh_process(function: Any, *args: Any) -> Any:
    """``function(*args)`` in a spawned process of its own (nothing of this process's memory in it), its result."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(function, *args).result()


def _measured_run(dag_id: str, conf: dict, label: str, emulator_pid: int, work: str) -> tuple[str, dict, int, int]:
    """One run with this process's RSS before it and its peak during it: the run's state, times, and both in MB.

    ``sync-1m`` calls it in a fresh process per run, as Airflow runs each task attempt in a process of its own
    (a Celery or local worker forks one per task): the re-sync's peak is then its own, not the first sync's
    leftovers plus its own (``BENCH_SAME_PROCESS=1``: both runs in the bench process, one after the other)."""
    global WORK
    WORK = Path(work)
    rss_before = round(rss_mb())
    reset_peak_rss()
    result, times = _run_dag(dag_id, conf, label, emulator_pid)
    return str(result.state), times, rss_before, round(run_peak_rss_mb())


def bench_sync_million(n: int, keys: str = "integer") -> dict:
    """First sync of a list of ``n`` new members, then an immediate re-sync (which must write nothing); with
    ``keys="uuid"`` the CRM keys its contacts by UUID (``_uuid_adapter``), everything else the same."""
    kind = "sync-1m" if keys == "integer" else "sync-1m-uuid"
    _prepare_airflow(kind)
    if keys == "uuid":
        from cleverreach.crm.sql import ADAPTER_DIR_CONF_ENV

        os.environ[ADAPTER_DIR_CONF_ENV] = str(_uuid_adapter())
    engine = _crm(["bench"])
    engine.dispose()
    started = time.perf_counter()
    _in_fresh_process(_fill_million, str(WORK / "crm.db"), n, keys == "uuid")
    prepared = time.perf_counter() - started
    same_process = os.environ.get("BENCH_SAME_PROCESS") == "1"
    with _emulator([_account("bench", [{"id": "7001", "name": "Bench"}])]) as client:
        runs = []
        for label in ("first", "resync"):
            client.clear_requests()
            args = ("cleverreach_sync_recipients", {"tenant": "bench", "list_id": 1}, label, client.pid, str(WORK))
            state, times, rss_before, run_peak = (_measured_run(*args) if same_process
                                                  else _in_fresh_process(_measured_run, *args))
            counters = client.counters()
            by_endpoint = counters["by_endpoint"]
            runs.append({"run": label, "state": state, **times,
                         "api_calls": _calls(counters), "writes": counters["writes"], "reads": counters["reads"],
                         "upserts": by_endpoint.get(UPSERT, 0), "by_endpoint": by_endpoint,
                         "peak_rss_mb": run_peak, "rss_mb_before": rss_before,
                         "process": "bench" if same_process else "own"})
    first = runs[0]
    creates = first["by_endpoint"].get("POST /v3/attributes", 0)
    # token, login check, the tenant's account check, one read of the empty group, the attribute list,
    # the attributes it must create, and ceil(N/1000) upserts
    minimum = 5 + creates + math.ceil(n / 1000)
    resync = runs[1]
    notes = (f"first {first['state']} in {first['seconds']} s (CPU: ours {first['cpu_s']} s, emulator "
             f"{first['emulator_cpu_s']} s), {first['api_calls']} API calls (minimum {minimum}); re-sync "
             f"{resync['state']} in {resync['seconds']} s (CPU {resync['cpu_s']} s + {resync['emulator_cpu_s']} s), "
             f"{resync['writes']} writes, {resync['reads']} reads; peak RSS of "
             f"{'the bench process' if same_process else 'each run in its own process'} during the first "
             f"{first['peak_rss_mb']} MB (before: {first['rss_mb_before']} MB), during the re-sync "
             f"{resync['peak_rss_mb']} MB (before: {resync['rss_mb_before']} MB)")
    return {"bench": kind, "n": n, "keys": keys, "seconds": first["seconds"], "prepare_s": round(prepared, 1), "runs": runs,
            "first_min_api_calls": minimum, "peak_rss_mb": max(first["peak_rss_mb"], resync["peak_rss_mb"]), "notes": notes}


# ---------------------------------------------------------------------- 200 tenants x 3 lists
def bench_fanout(tenants: int, lists: int = 3, members: int = 20) -> dict:
    """Import the groups of ``tenants`` accounts, then sync every list; time per mapped task."""
    _prepare_airflow("fanout")
    ids = [f"t{number:03d}" for number in range(1, tenants + 1)]
    engine = _crm(ids)
    for number, tenant in enumerate(ids, 1):
        _add_contacts(engine, tenant, number * 1000, members)
    accounts = [_account(t, [{"id": str(number * 10 + g), "name": f"Liste {g}"} for g in range(1, lists + 1)])
                for number, t in enumerate(ids, 1)]
    out: dict[str, Any] = {"bench": "fanout", "n": tenants, "lists": tenants * lists}
    runs = (("cleverreach_import_lists", "import"), ("cleverreach_sync_recipients", "sync"))
    if os.environ.get("BENCH_FANOUT_IMPORT", "1") == "0":  # the lists as the import makes them, without its run
        from sqlalchemy import text

        runs = runs[1:]
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (:g, :t, :g, 'Liste', CURRENT_TIMESTAMP)"),
                         [{"g": str(number * 10 + g), "t": t} for number, t in enumerate(ids, 1)
                          for g in range(1, lists + 1)])
    with _emulator(accounts) as client:
        for dag_id, label in runs:
            if label == "sync":  # every list gets the tenant's members before the sync
                from sqlalchemy import text

                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                                      "SELECT l.id, c.id, CURRENT_TIMESTAMP FROM recipient_list l "
                                      "JOIN contact_person c ON c.tenant_id = l.tenant_id"))
            result, times = _run_dag(dag_id, {"tenant": None}, label, client.pid)
            out[label] = {"state": result.state, **times, **_task_times(dag_id, result.run_id)}
    engine.dispose()
    out["peak_rss_mb"] = round(peak_rss_mb())
    out["seconds"] = round(sum(out[label]["seconds"] for _, label in runs), 1)
    out["notes"] = "; ".join(
        f"{label} {out[label]['state']}: {out[label]['mapped']} mapped tasks, {out[label]['mean_task_s']} s each, "
        f"{out[label]['mean_gap_s']} s between two" for _, label in runs)
    return out


def _task_times(dag_id: str, run_id: str) -> dict[str, Any]:
    """Mapped task instances, their mean duration, and the mean gap between one's end and the next start:
    the scheduling overhead of a mapped task under ``dag.test()``."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id, TaskInstance.map_index >= 0)).all()
        spans = sorted((ti.start_date, ti.end_date) for ti in tis if ti.start_date and ti.end_date)
    if not spans:
        return {"mapped": 0}
    durations = [(end - start).total_seconds() for start, end in spans]
    gaps = [(b[0] - a[1]).total_seconds() for a, b in zip(spans, spans[1:])]
    return {"mapped": len(spans), "mean_task_s": round(sum(durations) / len(durations), 3),
            "mean_gap_s": round(sum(gaps) / len(gaps), 3) if gaps else 0.0,
            "wall_per_task_s": round((spans[-1][1] - spans[0][0]).total_seconds() / len(spans), 3)}


# ---------------------------------------------------------------------- a mailing to a million
def bench_history_million(n: int, open_share: float = 0.3, click_share: float = 0.1, report_page: int = 100) -> dict:
    """Mail history of one mailing sent to ``n`` receivers, ``open_share`` opened, ``click_share`` clicked, from an
    emulator that serves report pages of at most ``report_page`` (it clamps larger ones)."""
    from sqlalchemy import text

    kind = "history-1m" if report_page == 100 else f"history-1m-{report_page}"
    _prepare_airflow(kind)
    engine = _crm(["bench"])
    _add_contacts(engine, "bench", 1, n)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'bench', '7001', 'Bench', CURRENT_TIMESTAMP)"))
    with _emulator([_account("bench", [{"id": "7001", "name": "Bench"}])], {"report_max_pagesize": report_page}) as client:
        started = time.perf_counter()
        client.generate_receivers("bench", "7001", n, email_pattern="member{n}@bench.example", start=1)
        opens = [f"member{i}@bench.example" for i in range(1, n + 1) if i % round(1 / open_share) == 0]
        clicks = [{"email": f"member{i}@bench.example", "link_id": "1"}
                  for i in range(1, n + 1) if i % round(1 / click_share) == 0]
        client.send_mailing("bench", ["7001"], name="Bench", subject="Bench", links=[{"id": "1", "url": "https://example.com"}],
                            opens=opens, clicks=clicks)
        prepared = time.perf_counter() - started
        client.clear_requests()
        result, times = _run_dag("cleverreach_sync_mail_history", {"tenant": "bench", "since": "2000-01-01"},
                                 "history", client.pid)
        seconds = times["seconds"]
        counters = client.counters()
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT kind, count(*) FROM contact_history GROUP BY kind")).all())
    engine.dispose()
    total = sum(rows.values())
    report_pages = sum(math.ceil(count / report_page) for count in (n, len(opens), len(clicks)))
    return {"bench": kind, "n": n, "state": result.state, "prepare_s": round(prepared, 1), **times, "rows": rows, "rows_per_s": round(total / seconds) if seconds else None,
            "api_calls": _calls(counters), "report_pages_min": report_pages, "by_endpoint": counters["by_endpoint"],
            "peak_rss_mb": round(peak_rss_mb()),
            "notes": f"{result.state}: {total} rows, {counters['reads']} reads (report pages at least {report_pages})"}


KINDS = {"sync-1m": bench_sync_million, "sync-1m-uuid": lambda n: bench_sync_million(n, keys="uuid"),
         "fanout": bench_fanout, "history-1m": bench_history_million,
         "history-1m-5000": lambda n: bench_history_million(n, report_page=5000)}
PLANS = [("sync-1m", 1_000_000), ("fanout", 200), ("history-1m", 1_000_000), ("history-1m-5000", 1_000_000)]


def main(argv: list[str]) -> int:
    kind, n = argv[0], int(argv[1])
    print(json.dumps(KINDS[kind](n), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
