"""The CleverReach page in a real Airflow with the FAB auth manager, driven in headless Chromium.

Its own stack (the other e2e module's runs on SimpleAuthManager): a fresh PostgreSQL metadata DB, the
CleverReach roles from ``python -m cleverreach.ui.roles``, FAB users per role, an editor limited to
tenant ``acme``. Screenshots: ``artifacts/e2e/page-*.png``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests

from scripts.airflow_env import REPO, airflow_services_environment, free_port
from scripts.local_airflow import (Services, airflow_argv, build_demo_crm, clean_base_environment, demo_connections,
                                   http_ok, start_airflow, start_emulator, wait_until)

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO / "artifacts" / "e2e"
META_DB = "cleverreach_e2e_page_meta"
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
USERS = {"admin": "Admin", "viewer": "CleverReach Viewer", "editor": "CleverReach Editor", "ed_acme": "CleverReach Editor"}
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
TIMEOUT = 40


def _metadata_db(postgres_url: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    url = make_url(postgres_url).set(drivername="postgresql+psycopg2")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{META_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{META_DB}"'))
    engine.dispose()
    return url.set(database=META_DB).render_as_string(hide_password=False)


class Fab:
    def __init__(self, url: str, services: Services, crm_path: Path) -> None:
        self.url, self.services, self.crm_path = url, services, crm_path

    def token(self, user: str) -> str:
        resp = requests.post(f"{self.url}/auth/token", json={"username": user, "password": f"{user}-pw"}, timeout=30)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()["access_token"]

    def api(self, method: str, path: str, user: str | None = "admin", **kwargs):
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()
            if run["state"] in ("success", "failed") or time.monotonic() > deadline:
                return run
            time.sleep(1)

    def task_log(self, dag_id: str, run_id: str, task_id: str) -> str:
        resp = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/1",
                        params={"full_content": "true"}, headers={"Accept": "application/json"})
        return json.dumps(resp.json()) if resp.status_code == 200 else resp.text


@pytest.fixture(scope="module")
def fab(tmp_path_factory):
    postgres_url = os.environ.get("TEST_POSTGRES_URL")
    if not postgres_url:
        pytest.skip("TEST_POSTGRES_URL is not set: the end-to-end test needs PostgreSQL for Airflow's metadata DB")
    from scripts.demo_data import TENANTS, build_emulator_seed

    tmp = tmp_path_factory.mktemp("e2e-page")
    services = Services(tmp / "logs")
    try:
        crm_path = tmp / "crm.db"
        crm = build_demo_crm(crm_path)
        base = clean_base_environment()
        emulator_url = start_emulator(services, build_emulator_seed(crm), tmp / "emulator-seed.json", base)
        port = free_port()
        env = {**base, **airflow_services_environment(
            tmp / "airflow", port=port, jwt_secret=secrets.token_urlsafe(64), sql_alchemy_conn=_metadata_db(postgres_url),
            parallelism=4, use_job_schedule=False), **demo_connections(crm_path, emulator_url, TENANTS)}
        env["AIRFLOW__CORE__AUTH_MANAGER"] = FAB
        env.pop("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", None)
        services.run("db-migrate", airflow_argv("db", "migrate"), env)
        services.run("roles", [airflow_argv()[0], "-m", "cleverreach.ui.roles"], env)
        for user, role in USERS.items():
            services.run(f"user-{user}", airflow_argv("users", "create", "--username", user, "--password", f"{user}-pw",
                                                      "--role", role, "--firstname", user, "--lastname", "E2E",
                                                      "--email", f"{user}@example.org"), env)
        _grant(crm_path, "ed_acme", "acme")
        start_airflow(services, env, triggerer=False)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/api/v2/monitor/health"), timeout=120, what="the API server", services=services)
        stack = Fab(url, services, crm_path)
        wait_until(lambda: len(stack.api("GET", "/api/v2/dags", params={"dag_id_pattern": "cleverreach"}).json()
                               .get("dags", [])) >= 3, timeout=120, what="the DAGs", services=services, interval=1)
        for dag_id in ("cleverreach_import_lists", "cleverreach_manage_members", "cleverreach_sync_recipients"):
            stack.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        run_id = stack.api("POST", "/api/v2/dags/cleverreach_import_lists/dagRuns",
                           json={"logical_date": None, "conf": {}}).json()["dag_run_id"]
        assert stack.wait_run("cleverreach_import_lists", run_id)["state"] == "success"
    except BaseException:
        print("\n" + services.tails(40))
        services.stop()
        raise
    try:
        yield stack
    finally:
        services.stop()
        shutil.copytree(services.log_dir, ARTIFACTS / "page-logs", dirs_exist_ok=True)


def _grant(crm_path: Path, user: str, tenant: str) -> None:
    from cleverreach.access import TenantGrantStore
    from cleverreach.crm.migrations import migrate
    from cleverreach.hooks.crm import engine_from_fields

    engine = engine_from_fields("sqlite", host=str(crm_path))
    try:
        migrate(engine)
        TenantGrantStore(engine).grant(user, tenant, "e2e")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def chromium(fab):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(f"{CHROMIUM} and {CHROMEDRIVER} are needed (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="e2e-page-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--window-size=1400,1100", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def login_as(driver, fab: Fab, user: str) -> None:
    """Airflow's own session: the UI's `_token` cookie with a JWT from /auth/token (no second login)."""
    driver.get(f"{fab.url}/api/v2/version")
    driver.delete_all_cookies()
    driver.add_cookie({"name": "_token", "value": fab.token(user), "path": "/"})


def shot(driver, name: str) -> Path:
    path = ARTIFACTS / f"page-{name}.png"
    driver.save_screenshot(str(path))
    return path


def wait_for(driver, *needles: str, name: str, timeout: float = TIMEOUT) -> str:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while True:
        try:
            text = driver.find_element(By.TAG_NAME, "body").text
        except Exception:  # noqa: BLE001 - page re-rendering
            text = ""
        if all(n in text for n in needles):
            return text
        if time.monotonic() > deadline:
            path = shot(driver, f"{name}-timeout")
            pytest.fail(f"{driver.current_url} did not show {[n for n in needles if n not in text]} ({path}):\n{text[:1500]}",
                        pytrace=False)
        time.sleep(0.3)


def click(driver, css: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, TIMEOUT).until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()


def open_list(driver, fab: Fab, tenant: str = "acme") -> None:
    driver.get(f"{fab.url}/cleverreach/")
    wait_for(driver, "Tenants", tenant, name="tenants")
    click(driver, f"#tenants tr[data-tenant='{tenant}']")
    wait_for(driver, "Lists of", name="lists")
    click(driver, "#lists tbody tr")
    wait_for(driver, "External id", name="list")


def test_an_anonymous_request_is_refused(fab):
    assert fab.api("GET", "/cleverreach/api/tenants", user=None).status_code == 401
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["permissions"] == ["view"]


def test_the_nav_entry_shows_the_page_inside_airflow(fab, chromium):
    login_as(chromium, fab, "admin")
    chromium.get(f"{fab.url}/plugin/cleverreach")
    time.sleep(3)
    shot(chromium, "in-airflow-nav")
    plugins = fab.api("GET", "/api/v2/plugins").json()["plugins"]
    assert any(p["name"] == "cleverreach_ui" for p in plugins)


def test_a_viewer_sees_lists_and_members_but_cannot_change_anything(fab, chromium):
    from selenium.webdriver.common.by import By

    login_as(chromium, fab, "viewer")
    open_list(chromium, fab)
    assert chromium.find_element(By.ID, "list-save").get_attribute("disabled") is not None
    click(chromium, ".tabs button[data-tab='members']")
    wait_for(chromium, "page 1 of", name="viewer-members")
    assert chromium.find_element(By.ID, "member-remove").get_attribute("disabled") is not None
    shot(chromium, "viewer-members")
    resp = fab.api("PUT", "/cleverreach/api/tenants/acme/lists/1", user="viewer", json={"name": "x"})
    assert resp.status_code == 403


def test_an_editor_renames_previews_adds_and_sees_the_run(fab, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    login_as(chromium, fab, "editor")
    open_list(chromium, fab)
    name = chromium.find_element(By.ID, "list-name")
    name.clear()
    name.send_keys("Kunden-News E2E")
    click(chromium, "#list-save")
    wait_for(chromium, "List saved.", "Kunden-News E2E", name="renamed")
    shot(chromium, "editor-renamed")
    click(chromium, ".tabs button[data-tab='add']")
    wait_for(chromium, "Initial letter", name="add")
    time.sleep(1)
    Select(chromium.find_element(By.ID, "filter-category")).select_by_index(1)
    click(chromium, "#add-preview")
    text = wait_for(chromium, "contact person(s) match", name="preview")
    assert "without a valid e-mail address" in text
    shot(chromium, "editor-preview")
    click(chromium, "#add-submit")
    wait_for(chromium, "run manual__", "cleverreach_manage_members", name="added")
    link = chromium.find_element(By.CSS_SELECTOR, "#message a").get_attribute("href")
    run_id = link.rsplit("/", 1)[1].replace("%3A", ":").replace("%2B", "+")
    run = fab.wait_run("cleverreach_manage_members", run_id)
    assert run["state"] == "success" and run["triggering_user_name"] == "editor"
    chromium.get(link)
    wait_for(chromium, "manage_members", name="grid")
    shot(chromium, "editor-run-in-grid")


def test_dry_run_shows_the_plan_then_apply(fab, chromium):
    login_as(chromium, fab, "editor")
    open_list(chromium, fab)
    click(chromium, ".tabs button[data-tab='sync']")
    for button, dry in (("#sync-dry-run", True), ("#sync-apply", False)):
        if not dry:  # one active sync run at a time (max_active_runs=1)
            time.sleep(1)
        click(chromium, button)
        text = wait_for(chromium, "run manual__", "cleverreach_sync_recipients", name="sync")
        run_id = text.split("run ", 1)[1].split(" of", 1)[0]
        run = fab.wait_run("cleverreach_sync_recipients", run_id)
        assert run["state"] == "success", fab.task_log("cleverreach_sync_recipients", run_id, "sync_list")
        click(chromium, "#sync-refresh")
        wait_for(chromium, "dry_run" if dry else "success", name="runs")
        click(chromium, "#runs tbody tr")
        wait_for(chromium, "Plan of run", name="plan")
        shot(chromium, "plan-dry-run" if dry else "plan-applied")


def test_an_editor_of_one_tenant_cannot_open_another_tenants_list(fab, chromium):
    login_as(chromium, fab, "ed_acme")
    chromium.get(f"{fab.url}/cleverreach/")
    text = wait_for(chromium, "tenants: acme", name="scoped")
    assert "nordlicht" not in text.split("Tenants", 1)[1].split("Lists", 1)[0]
    shot(chromium, "scoped-editor")
    lists = fab.api("GET", "/cleverreach/api/tenants/nordlicht/lists", user="admin").json()
    resp = fab.api("GET", f"/cleverreach/api/tenants/nordlicht/lists/{lists[0]['id']}", user="ed_acme")
    assert resp.status_code == 403 and "may not act on tenant 'nordlicht'" in resp.json()["detail"]
    # nor by triggering the DAG directly: the first task refuses, with a clear message
    run_id = fab.api("POST", "/api/v2/dags/cleverreach_sync_recipients/dagRuns", user="ed_acme",
                     json={"logical_date": None, "conf": {"tenant": "nordlicht", "dry_run": True}}).json()["dag_run_id"]
    assert fab.wait_run("cleverreach_sync_recipients", run_id)["state"] == "failed"
    assert "may not act on tenant 'nordlicht'" in fab.task_log("cleverreach_sync_recipients", run_id, "resolve_lists")
