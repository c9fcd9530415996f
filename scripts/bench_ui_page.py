"""`make bench`, the CleverReach page in the browser: how long from the navigation's start until the first data row is
visible, in headless Chromium against a real Airflow API server, on a PostgreSQL CRM with one list of N members.

    python -m scripts.bench ui-page 1000000

Two screens: the first screen (tenants, ``/plugin/cleverreach``) and the list's members tab
(``/plugin/cleverreach/tenants/bench/lists/1/members``). Each is loaded ``RUNS`` times by a full navigation; a script
that Chromium runs before every document records ``performance.now()`` (ms since the navigation started) when the
first row (``[data-tenant]``, ``[data-contact]``) is laid out. The first load of the page (cold: the bundle not cached)
and the median of the others are reported. Timings are measured and reported, never asserted.

The CRM is a schema of BENCH_POSTGRES_URL/TEST_POSTGRES_URL (``bench_ui_page``, dropped and filled afresh), Airflow's
metadata DB the database ``BENCH_UI_META_DB`` there (default ``cleverreach_bench_ui_meta``, dropped and created).
Only the API server runs (no scheduler: nothing is triggered); SimpleAuthManager's admin is logged in.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from scripts.airflow_env import REPO, airflow_services_environment, free_port, fresh_postgres_database

WORK = REPO / ".bench" / "ui-page"
SCHEMA = "bench_ui_page"
RUNS = 7
ROWS = {"tenants": "[data-testid='tenants'] [data-tenant]", "members": "[data-testid='members'] [data-contact]"}
# Runs in every document before the page's own scripts: the first time each row selector finds a laid-out row.
WATCH = """
window.__firstRow = {};
const watched = %s;
function look() {
  for (const [name, css] of Object.entries(watched)) {
    if (window.__firstRow[name] !== undefined) continue;
    const row = document.querySelector(css);
    if (row && row.getBoundingClientRect().height > 0) window.__firstRow[name] = performance.now();
  }
  if (Object.keys(window.__firstRow).length < Object.keys(watched).length) requestAnimationFrame(look);
}
requestAnimationFrame(look);
""" % json.dumps(ROWS)


def _postgres_url():
    from sqlalchemy import make_url

    return make_url(os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
                    or "postgresql://postgres@127.0.0.1:5432/postgres").set(drivername="postgresql+psycopg2")


def _metadata_db() -> str:
    return fresh_postgres_database(_postgres_url().render_as_string(hide_password=False),
                                   os.environ.get("BENCH_UI_META_DB", "cleverreach_bench_ui_meta"))


def build_crm(n: int) -> dict[str, Any]:
    """A fresh CRM schema: tenant ``bench`` (Europe/Berlin), list 1 with ``n`` members (every 10th pending, every
    50th rejected) and list 2 with one in 1000; returns the Airflow connection (``AIRFLOW_CONN_HYPERSPACE_CRM``)."""
    from sqlalchemy import create_engine, text

    from cleverreach.crm.migrations import create_crm_tables, migrate
    from cleverreach.hooks.crm import engine_from_fields

    url = _postgres_url()
    admin = create_engine(url)
    with admin.begin() as conn:
        for schema in (SCHEMA, f"{SCHEMA}_state"):
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    extra = {"options": f"-csearch_path={SCHEMA}", "state_schema": f"{SCHEMA}_state"}
    engine = engine_from_fields("postgres", host=url.host, port=url.port, login=url.username, password=url.password,
                                schema=url.database, extra=extra)
    create_crm_tables(engine)
    migrate(engine)
    series = "SELECT g AS i FROM generate_series(1, :n) AS g"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant (id, name, cleverreach_conn_id, active, time_zone) "
                          "VALUES ('bench', 'Bench GmbH', 'cleverreach_bench', true, 'Europe/Berlin')"))
        conn.execute(text(f"INSERT INTO contact_person (id, tenant_id, first_name, last_name, function, email) "
                          f"SELECT i, 'bench', 'F' || i, 'L' || ((CAST(i AS BIGINT) * 7919) % :n), "
                          f"CASE WHEN i % 3 = 0 THEN 'CEO' END, 'c' || i || '@example.org' FROM ({series}) AS s"), {"n": n})
        for list_id, name in ((1, "Bench"), (2, "Small")):
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                              "VALUES (:id, 'bench', :ext, :name, CURRENT_TIMESTAMP)"), {"id": list_id, "ext": str(list_id), "name": name})
        conn.execute(text(f"INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state, sync_error) "
                          f"SELECT 1, i, CURRENT_TIMESTAMP, CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 10 = 0 "
                          f"THEN 'pending' ELSE 'synced' END, CASE WHEN i % 50 = 0 THEN 'invalid e-mail' END "
                          f"FROM ({series}) AS s"), {"n": n})
        conn.execute(text(f"INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          f"SELECT 2, i, CURRENT_TIMESTAMP, 'synced' FROM ({series}) AS s WHERE i % 1000 = 7"), {"n": n})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"conn_type": "postgres", "host": url.host, "port": url.port, "login": url.username,
            "password": url.password, "schema": url.database, "extra": json.dumps(extra)}


def _chromium():
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="bench-ui-page-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--window-size=1400,1100", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(120)
    return driver, profile


# Where the time of one load goes: when the page's bundle was asked for (Airflow's UI has booted and found the
# plugin) and how long each of the page's API calls took (resource timing, ms).
PARTS = """
const entries = performance.getEntriesByType('resource');
const bundle = entries.find((e) => e.name.includes('cleverreach-page.js'));
const calls = {};
for (const e of entries) {
  const m = e.name.match(/cleverreach\\/api\\/([^?]*)/);
  if (m) calls[m[1]] = Math.round(e.responseEnd - e.startTime);
}
return {bundle_requested_ms: bundle ? Math.round(bundle.startTime) : null, api_ms: calls};
"""


def _first_row_ms(driver, url: str, screen: str, timeout: float = 120) -> tuple[float, dict[str, Any]]:
    """One full navigation to ``url``; ms from its start until the screen's first row was laid out, and its parts."""
    driver.get(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = driver.execute_script("return (window.__firstRow || {})[arguments[0]]", screen)
        if found is not None:
            return float(found), driver.execute_script(PARTS)
        time.sleep(0.05)
    raise TimeoutError(f"{url}: no {ROWS[screen]} within {timeout:.0f} s:\n{driver.find_element('tag name', 'body').text[:1500]}")


def bench_ui_page(n: int = 1_000_000) -> dict[str, Any]:
    """The tenants screen and the members tab of a list of ``n`` members, timed in Chromium (see the module)."""
    import requests

    from scripts.local_airflow import Services, airflow_argv, clean_base_environment, http_ok, wait_until, write_passwords_file

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    started = time.perf_counter()
    crm = build_crm(n)
    load_s = time.perf_counter() - started
    port = free_port()
    env = {**clean_base_environment(), **airflow_services_environment(
        WORK / "airflow", port=port, jwt_secret=secrets.token_urlsafe(64), sql_alchemy_conn=_metadata_db(),
        passwords_file=write_passwords_file(WORK / "passwords.json", {"admin": "admin"}), quiet=True),
        "AIRFLOW_CONN_HYPERSPACE_CRM": json.dumps(crm)}
    services = Services(WORK / "logs")
    driver, profile = None, None
    try:
        services.run("db-migrate", airflow_argv("db", "migrate"), env)
        services.start("api-server", airflow_argv("api-server"), env)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{base}/api/v2/monitor/health"), timeout=120, what="the API server", services=services)
        token = requests.post(f"{base}/auth/token", json={"username": "admin", "password": "admin"}, timeout=30).json()["access_token"]
        driver, profile = _chromium()
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        driver.get(f"{base}/api/v2/version")
        driver.add_cookie({"name": "_token", "value": token, "path": "/"})
        driver.execute_script("localStorage.setItem('i18nextLng', 'de')")
        screens = {"tenants": f"{base}/plugin/cleverreach", "members": f"{base}/plugin/cleverreach/tenants/bench/lists/1/members"}
        timings: dict[str, dict[str, Any]] = {}
        for screen, url in screens.items():
            loads = [_first_row_ms(driver, url, screen) for _ in range(RUNS)]
            samples = [ms for ms, _ in loads]
            # the page's own part: from the moment Airflow's UI asks for the bundle to the first row
            own = [ms - parts["bundle_requested_ms"] for ms, parts in loads if parts.get("bundle_requested_ms") is not None]
            timings[screen] = {"first_ms": round(samples[0]), "median_ms": round(statistics.median(samples[1:])),
                               "runs_ms": [round(s) for s in samples],
                               "page_own_median_ms": round(statistics.median(own[1:])) if len(own) > 1 else None,
                               "parts_of_last_load": loads[-1][1]}
    finally:
        if driver is not None:
            driver.quit()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
        services.stop()
    notes = "; ".join(f"{s}: first load {t['first_ms']} ms, median of {RUNS - 1} more {t['median_ms']} ms "
                      f"(navigation start to first row visible), of which the page's own "
                      f"{t['page_own_median_ms']} ms (bundle asked for to first row)" for s, t in timings.items())
    return {"bench": "ui-page", "n": n, "seconds": round(load_s, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "timings": timings,
            "notes": f"PostgreSQL CRM, Chromium: {notes}"}


KINDS = {"ui-page": bench_ui_page}
PLANS = [("ui-page", 1_000_000)]


if __name__ == "__main__":
    print(json.dumps(bench_ui_page(int(os.environ.get("BENCH_UI_PAGE_N", "1000000"))), indent=2))
