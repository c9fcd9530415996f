"""`make bench`: speed and memory of the recipient diff and of a whole sync against the emulator.

Not part of the tests (timings are measured and reported, never asserted). Each measurement runs
in a child process so that its peak RSS is its own.

    python -m scripts.bench                 # everything
    python -m scripts.bench diff 1000000    # one diff size
    python -m scripts.bench sync 100000     # one whole sync
    python -m scripts.bench history-postgresql 1000000   # the mail-history load (also history-sqlite)
    python -m scripts.bench ui-members-postgresql 1000000   # the CleverReach page's members API (also -sqlite)
    python -m scripts.bench sync-1m 1000000   # issue 13's scale targets through Airflow (also fanout 200,
                                              # history-1m 1000000, history-1m-5000 1000000):
                                              # scripts/bench_scale.py
    python -m scripts.bench sync-1m-uuid 1000000   # the same sync with contacts keyed by UUID
    python -m scripts.bench fanout-celery 200   # 200 tenants x 3 lists on the Celery stack (also
                                              # fanout-celery-per-list 200: one task per list; bench_fanout_celery.py)
    python -m scripts.bench sync-1m-celery 1000000   # sync-1m on the Celery stack: the task process's own peak RSS
                                              # (scripts/bench_sync_celery.py)
    python -m scripts.bench ui-page 1000000   # the CleverReach page in Chromium: first row of the tenants screen
                                              # and of a list's members tab (scripts/bench_ui_page.py)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from scripts.airflow_env import REPO
from scripts.bench_memory import peak_rss_mb, rss_mb
from scripts.bench_fanout_celery import KINDS as FANOUT_CELERY_KINDS, PLANS as CELERY_PLANS
from scripts.bench_sync_celery import KINDS as SYNC_CELERY_KINDS
from scripts.bench_sync_pg import KINDS as SYNC_PG_KINDS
from scripts.bench_scale import KINDS as SCALE_KINDS, PLANS as SCALE_PLANS
from scripts.bench_ui_page import KINDS as UI_PAGE_KINDS, PLANS as UI_PAGE_PLANS

CELERY_KINDS = {**FANOUT_CELERY_KINDS, **SYNC_CELERY_KINDS}

WORK = REPO / ".bench"


# ---------------------------------------------------------------------- the diff
def synthetic_frames(n: int):
    """N desired members and N receivers: 1 % of members new, 1 % of receivers gone, 1 % changed."""
    import numpy as np
    import pandas as pd

    from cleverreach.sync.fields import ATTRIBUTES

    k = max(1, n // 100)
    ids = np.arange(1, n + 1, dtype="int64")
    ext = pd.Series(ids).astype("str")
    emails = "user" + ext + "@example.org"
    # contact keys as prepare_desired leaves them: text (cleverreach.crm.keys), a column of Python str
    desired = pd.DataFrame({"contact_person_id": ext.to_numpy(dtype=object), "email": emails, "email_key": emails, "ext_id": ext, "sync_state": "synced"})
    for name in ATTRIBUTES:
        desired[name] = (name + "-") + (pd.Series(ids % 9973).astype("str"))

    # Receivers: members k.. n (the first k members are new), plus k receivers no member wants.
    gone_ids = np.arange(n + 1, n + 1 + k, dtype="int64")
    gone_ext = pd.Series(gone_ids).astype("str")
    actual = pd.concat(
        [desired.iloc[k:].drop(columns=["contact_person_id", "sync_state"]),
         pd.DataFrame({"email": "gone" + gone_ext + "@example.org", "email_key": "gone" + gone_ext + "@example.org",
                       "ext_id": gone_ext, **{name: "x" for name in ATTRIBUTES}})],
        ignore_index=True,
    )
    actual["firstname"] = actual["firstname"].where(actual.index >= k, "changed")  # k changed receivers
    actual["receiver_id"] = actual["ext_id"]
    actual["activated"] = np.int64(1)
    actual["deactivated"] = np.int64(0)
    actual["bounced"] = np.int64(0)
    return desired, actual


def bench_diff(n: int) -> dict:
    from cleverreach.sync.diff import diff

    desired, actual = synthetic_frames(n)
    before = rss_mb()
    started = time.perf_counter()
    plan = diff(desired, actual)
    seconds = time.perf_counter() - started
    return {"bench": "diff", "n": n, "seconds": round(seconds, 3), "rss_before_mb": round(before),
            "peak_rss_mb": round(peak_rss_mb()), "counts": plan.counts()}


# ---------------------------------------------------------------------- a whole sync
def bench_sync(n: int) -> dict:
    """N new members of one list, synced through Airflow (dag.test) against the emulator in its own process."""
    from scripts.airflow_env import configure_airflow, migrate_metadata_db

    shutil.rmtree(WORK, ignore_errors=True)
    configure_airflow(WORK / "airflow", quiet=True)
    migrate_metadata_db()

    from sqlalchemy import text

    from cleverreach.crm.migrations import create_crm_tables, migrate
    from cleverreach_emulator import EmulatorClient
    from cleverreach.hooks.crm import engine_from_fields

    crm_path = WORK / "crm.db"
    engine = engine_from_fields("sqlite", host=str(crm_path))
    create_crm_tables(engine)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name) VALUES ('bench', 'Bench GmbH')"))
        conn.execute(text("INSERT INTO address (id, tenant_id, name) VALUES (1, 'bench', 'Benchmark AG')"))
        conn.execute(
            text("INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, email) "
                 "VALUES (:id, 'bench', 1, 'Frau', 'Erika', :last, :email)"),
            [{"id": i, "last": f"Muster{i}", "email": f"member{i}@example.org"} for i in range(1, n + 1)],
        )
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'bench', '7001', 'Bench', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
                          "SELECT 1, id, CURRENT_TIMESTAMP FROM contact_person"))
    engine.dispose()

    seed = WORK / "seed.json"
    seed.write_text(json.dumps({"accounts": [{"client_id": "bench", "client_secret": "bench-secret-123",
                                              "groups": [{"id": "7001", "name": "Bench"}]}]}))
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "cleverreach_emulator", "--seed", str(seed), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip()
        os.environ["AIRFLOW_CONN_HYPERSPACE_CRM"] = json.dumps({"conn_type": "sqlite", "host": str(crm_path)})
        os.environ["AIRFLOW_CONN_CLEVERREACH_BENCH"] = json.dumps(
            {"conn_type": "cleverreach", "host": url, "login": "bench", "password": "bench-secret-123"})
        client = EmulatorClient(url)
        from scripts.airflow_runner import run_dag

        started = time.perf_counter()
        result = run_dag("cleverreach_sync_recipients", {"tenant": "bench", "list_id": 1})
        seconds = time.perf_counter() - started
        counters = client.counters()
        receivers = len(client.group_receivers("7001"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    by_endpoint = counters["by_endpoint"]
    upserts = by_endpoint.get("POST /v3/groups/{id}/receivers/upsert", 0)
    attribute_creates = by_endpoint.get("POST /v3/attributes", 0)
    # The least any client can do: a token, a login check, one read of the (empty) group, one read
    # of the attribute list, the attributes it must create, and ceil(N/1000) upserts.
    minimum = 1 + 1 + 1 + 1 + attribute_creates + math.ceil(n / 1000)
    made = counters["reads"] + counters["writes"] + counters["token_requests"]
    return {"bench": "sync", "n": n, "state": result.state, "seconds": round(seconds, 1),
            "receivers_after": receivers, "upsert_calls": upserts, "min_upsert_calls": math.ceil(n / 1000),
            "api_calls": made, "min_api_calls": minimum, "over_minimum_pct": round(100 * (made - minimum) / minimum, 2),
            "by_endpoint": by_endpoint, "peak_rss_mb": round(peak_rss_mb())}


# ---------------------------------------------------------------------- the mail-history load
def _history_engine(dialect: str):
    """A fresh CRM database: a SQLite file, or a new schema on BENCH_POSTGRES_URL/TEST_POSTGRES_URL."""
    from sqlalchemy import create_engine, make_url, text

    from cleverreach.crm.migrations import create_crm_tables, migrate
    from cleverreach.hooks.crm import engine_from_fields

    if dialect == "sqlite":
        WORK.mkdir(exist_ok=True)
        path = WORK / "history.db"
        path.unlink(missing_ok=True)
        engine = engine_from_fields("sqlite", host=str(path))
    else:
        url = make_url(os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
                       or "postgresql://postgres@127.0.0.1:5432/postgres").set(drivername="postgresql+psycopg2")
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS bench_history CASCADE"))
            conn.execute(text("DROP SCHEMA IF EXISTS bench_history_state CASCADE"))
            conn.execute(text("CREATE SCHEMA bench_history"))
        admin.dispose()
        engine = engine_from_fields("postgres", host=url.host, port=url.port, login=url.username, password=url.password,
                                    schema=url.database, extra={"options": "-csearch_path=bench_history",
                                                                "state_schema": "bench_history_state"})
    create_crm_tables(engine)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name) VALUES ('bench', 'Bench')"))
        conn.exec_driver_sql(
            "INSERT INTO contact_person (id, tenant_id, email) VALUES (%s)" % ("?, ?, ?" if dialect == "sqlite" else "%s, %s, %s"),
            [(i, "bench", f"c{i}@example.org") for i in range(1, 10_001)],
        )
    return engine


def _history_rows(mailings: int, receivers: int):
    """Rows as the loader makes them: per mailing, one `mail_sent` per receiver."""
    from datetime import datetime

    from cleverreach.history.events import SOURCE, HistoryRow

    for m in range(mailings):
        at = datetime(2026, 1, 1) if m % 2 else datetime(2026, 6, 1)
        yield [HistoryRow("bench", 1 + r % 10_000, at, "mail_sent", f"Mailing {m}", f"Mailing {m} (mailing {m})",
                          SOURCE, f"{m}/{r}/mail_sent") for r in range(receivers)]


def bench_history(dialect: str, mailings: int = 100, receivers: int = 10_000) -> dict:
    """Rows/s of HistoryStore.save (ON CONFLICT DO NOTHING, per-mailing transactions) against a
    plain bulk insert of the same rows (COPY on PostgreSQL, executemany INSERT on SQLite)."""
    import csv
    import io

    from sqlalchemy import text

    from cleverreach.history.store import HistoryStore

    engine = _history_engine(dialect)
    total = mailings * receivers
    columns = "tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, external_key"

    started = time.perf_counter()
    with engine.begin() as conn:
        for rows in _history_rows(mailings, receivers):
            if dialect == "postgresql":
                buffer = io.StringIO()
                csv.writer(buffer).writerows(rows)
                buffer.seek(0)
                cursor = conn.connection.dbapi_connection.cursor()
                cursor.copy_expert(f"COPY contact_history ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
                cursor.close()
            else:
                conn.exec_driver_sql(f"INSERT INTO contact_history ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                     [tuple(r) for r in rows])
    plain = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM contact_history"))
    peak_before = peak_rss_mb()

    store = HistoryStore(engine)
    started = time.perf_counter()
    inserted = sum(store.save(rows) for rows in _history_rows(mailings, receivers))
    ours = time.perf_counter() - started
    again = sum(store.save(rows) for rows in _history_rows(2, receivers))  # a rerun: all duplicates
    engine.dispose()
    return {"bench": "history", "dialect": dialect, "n": total, "inserted": inserted, "rerun_inserted": again,
            "seconds": round(ours, 2), "rows_per_s": round(total / ours), "plain_seconds": round(plain, 2),
            "plain_rows_per_s": round(total / plain), "share_of_plain": round(plain / ours, 2),
            "peak_rss_mb": round(peak_rss_mb()), "peak_rss_before_load_mb": round(peak_before)}


# ---------------------------------------------------------------------- the CleverReach page's members API
def bench_ui_members(dialect: str, n: int = 1_000_000, repeats: int = 5) -> dict:
    """Response times of the page's members API (``GET .../members``) on a list of ``n`` members: per sort key
    the first page, the pages after and before a row deep in the order, the last page; the state filter;
    a small list in the same tenant; the list detail with its member counts. Through the page's FastAPI
    app with its real routes and SQL; only the login is stubbed (an admin caller)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from cleverreach.access import CleverReachPermission, TenantScope
    from cleverreach.ui.app import create_app
    from cleverreach.ui.security import Caller, caller

    engine = _history_engine(dialect)  # a fresh CRM with the integration's tables (migrations incl. 0010, 0015)
    series = ("SELECT g AS i FROM generate_series(1, :n) AS g" if dialect == "postgresql" else
              "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s")
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM contact_person"))
        conn.execute(text(f"INSERT INTO contact_person (id, tenant_id, first_name, last_name, function, email) "
                          f"SELECT i, 'bench', 'F' || i, 'L' || ((CAST(i AS BIGINT) * 7919) % :n), "
                          f"CASE WHEN i % 3 = 0 THEN 'CEO' END, 'c' || i || '@example.org' FROM ({series}) AS s"),
                     {"n": n})
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'bench', '1', 'Bench', CURRENT_TIMESTAMP)"))
        conn.execute(text(f"INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state, sync_error) "
                          f"SELECT 1, i, CURRENT_TIMESTAMP, CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 10 = 0 "
                          f"THEN 'pending' ELSE 'synced' END, CASE WHEN i % 50 = 0 THEN 'invalid e-mail' END "
                          f"FROM ({series}) AS s"), {"n": n})
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (2, 'bench', '2', 'Small', CURRENT_TIMESTAMP)"))
        conn.execute(text(f"INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          f"SELECT 2, i, CURRENT_TIMESTAMP, 'synced' FROM ({series}) AS s WHERE i % 1000 = 7"), {"n": n})
        if dialect == "postgresql":
            conn.execute(text("ANALYZE"))
    load_s = time.perf_counter() - started
    app = create_app()
    app.dependency_overrides[caller] = lambda: Caller(object(), frozenset(CleverReachPermission), TenantScope(None, None),
                                                      None, engine)
    client = TestClient(app)
    deep = (n * 7) // 9  # a contact somewhere in the middle of every order: "the page after it" seeks deep
    queries = {"list detail (member counts, once per list)": ("", 0)}
    for sort in ("contact", "person", "function", "email", "state", "added"):
        queries[f"{sort}: first page"] = (f"/members?sort={sort}", 50)
        queries[f"{sort}: page after a deep row"] = (f"/members?sort={sort}&after={deep}", 50)
        queries[f"{sort}: page before a deep row, desc"] = (f"/members?sort={sort}&order=desc&before={deep}", 50)
        queries[f"{sort}: last page"] = (f"/members?sort={sort}&last=true", 50)
    for sort in ("contact", "email"):
        queries[f"rejected by {sort}: first page"] = (f"/members?state=rejected&sort={sort}", 50)
        queries[f"rejected by {sort}: page after a deep row"] = (f"/members?state=rejected&sort={sort}&after={deep - deep % 50}", 50)
        queries[f"rejected by {sort}: last page"] = (f"/members?state=rejected&sort={sort}&last=true", 50)
    small_rows = min(50, n // 1000)
    small = {"small list (1 in 1000) by person: first page": ("/members?sort=person", small_rows),
             "small list by person: last page": ("/members?sort=person&last=true", small_rows)}
    timings = {}
    for label, (path, rows) in [*queries.items(), *small.items()]:
        list_id = 2 if label in small else 1
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            resp = client.get(f"/api/tenants/bench/lists/{list_id}{path}{'&' if '?' in path else '?'}page_size=50")
            samples.append(time.perf_counter() - t0)
            assert resp.status_code == 200 and (not rows or len(resp.json()["rows"]) == rows), resp.text[:300]
        timings[label] = round(sorted(samples)[len(samples) // 2] * 1000, 1)  # median ms
    engine.dispose()
    return {"bench": "ui", "dialect": dialect, "n": n, "seconds": round(load_s, 1), "peak_rss_mb": round(peak_rss_mb()),
            "median_ms": timings}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------- driver
def _child(kind: str, n: int) -> dict:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-m", "scripts.bench", kind, str(n), "--child"], capture_output=True,
                         text=True, env=env, cwd=REPO)
    log = WORK / f"{kind}.log"  # the child's log (the task logs of the scale benches): where a figure comes from
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(out.stderr)
    if out.returncode != 0:
        raise SystemExit(f"bench {kind} {n} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if "--child" in argv:
        kind, n = argv[0], int(argv[1])
        if kind == "diff":
            result = bench_diff(n)
        elif kind == "sync":
            result = bench_sync(n)
        elif kind in SCALE_KINDS:  # sync-1m, fanout, history-1m (scripts/bench_scale.py)
            result = SCALE_KINDS[kind](n)
        elif kind in CELERY_KINDS:  # fanout-celery, sync-1m-celery (scripts/bench_*_celery.py)
            result = CELERY_KINDS[kind](n)
        elif kind in SYNC_PG_KINDS:  # sync-pg (scripts/bench_sync_pg.py)
            result = SYNC_PG_KINDS[kind](n)
        elif kind in UI_PAGE_KINDS:  # ui-page (scripts/bench_ui_page.py)
            result = UI_PAGE_KINDS[kind](n)
        elif kind.startswith("ui-members-"):  # ui-members-sqlite / ui-members-postgresql
            result = bench_ui_members(kind.rsplit("-", 1)[1], n)
        else:  # history-sqlite / history-postgresql
            result = bench_history(kind.split("-", 1)[1], mailings=max(1, n // 10_000), receivers=min(n, 10_000))
        print(json.dumps(result))
        return 0
    plans = [("diff", 10_000), ("diff", 100_000), ("diff", 1_000_000), ("sync", 100_000),
             ("history-sqlite", 1_000_000), ("history-postgresql", 1_000_000),
             ("ui-members-sqlite", 1_000_000), ("ui-members-postgresql", 1_000_000), *SCALE_PLANS,
             *CELERY_PLANS, ("sync-1m-celery", 1_000_000), ("sync-pg", 1_000_000), *UI_PAGE_PLANS]
    if argv:
        plans = [(argv[0], int(argv[1]))]
    results = []
    for kind, n in plans:
        result = _child(kind, n)
        results.append(result)
        print(json.dumps(result), flush=True)
    print("\nkind    N          seconds  peak RSS MB  notes")
    for r in results:
        if r["bench"] == "diff":
            notes = f"counts {r['counts']}"
        elif r["bench"] == "sync":
            notes = (f"{r['state']}; {r['api_calls']} API calls (minimum {r['min_api_calls']}, +{r['over_minimum_pct']} %); "
                     f"{r['upsert_calls']} upserts (minimum {r['min_upsert_calls']})")
        elif "notes" in r:
            notes = r["notes"]
        elif r["bench"] == "ui":
            notes = f"{r['dialect']}: members API, median ms " + ", ".join(f"{k} {v}" for k, v in r["median_ms"].items())
        else:
            notes = (f"{r['dialect']}: {r['rows_per_s']} rows/s vs plain bulk insert {r['plain_rows_per_s']} rows/s "
                     f"= {r['share_of_plain']:.0%} of the limit; rerun inserted {r['rerun_inserted']}")
        print(f"{r['bench']:<7} {r['n']:<10} {r['seconds']:<8} {r['peak_rss_mb']:<12} {notes}")
    out = WORK / "results.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
