"""The CleverReach page in a real Airflow with the FAB auth manager, driven in headless Chromium.

Its own stack (the other e2e module's runs on SimpleAuthManager): a fresh PostgreSQL metadata DB, the
CleverReach roles from ``python -m cleverreach.ui.roles``, FAB users per role, an editor limited to
tenant ``acme``. Screenshots: ``artifacts/e2e/page-*.png``. The metadata DB is ``cleverreach_e2e_page_meta``, or
``E2E_PAGE_META_DB`` (so that two checkouts on one server do not drop each other's).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from scripts.airflow_env import REPO, airflow_services_environment, free_port
from scripts.local_airflow import (Services, airflow_argv, build_demo_crm, clean_base_environment, demo_connections,
                                   http_ok, start_airflow, start_emulator, wait_until)

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO / "artifacts" / "e2e"
META_DB = os.environ.get("E2E_PAGE_META_DB", "cleverreach_e2e_page_meta")  # dropped and created fresh
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
USERS = {"admin": "Admin", "viewer": "CleverReach Viewer", "editor": "CleverReach Editor", "ed_acme": "CleverReach Editor"}
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
TIMEOUT = 40


def _metadata_db(postgres_url: str, name: str = META_DB) -> str:
    from sqlalchemy import create_engine, make_url, text

    url = make_url(postgres_url).set(drivername="postgresql+psycopg2")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class Fab:
    def __init__(self, url: str, services: Services, crm_path: Path, emulator_url: str | None = None) -> None:
        self.url, self.services, self.crm_path, self.emulator_url = url, services, crm_path, emulator_url

    def token(self, user: str) -> str:
        resp = requests.post(f"{self.url}/auth/token", json={"username": user, "password": f"{user}-pw"}, timeout=30)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()["access_token"]

    def api(self, method: str, path: str, user: str | None = "admin", headers: dict | None = None, **kwargs):
        headers = {**(headers or {}), **({"Authorization": f"Bearer {self.token(user)}"} if user else {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 180) -> dict:
        """Poll the REST API until the run ends (or the timeout; the caller checks the state)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()
            if run["state"] in ("success", "failed") or time.monotonic() > deadline:
                return run
            time.sleep(0.5)

    def task_log(self, dag_id: str, run_id: str, task_id: str) -> str:
        resp = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/1",
                        params={"full_content": "true"}, headers={"Accept": "application/json"})
        return json.dumps(resp.json()) if resp.status_code == 200 else resp.text


@contextmanager
def fab_stack(tmp: Path, *, extra_env: dict[str, str] | None = None, meta_db: str = META_DB,
              logs_name: str = "page-logs", grants: tuple[tuple[str, str], ...] = (("ed_acme", "acme"),),
              import_tenants: tuple[str, ...] = ()) -> Iterator[Fab]:
    """A running Airflow with the FAB auth manager, the demo CRM and the emulator, the CleverReach roles, one
    FAB user per role (``USERS``), the tenant ``grants`` (user, tenant), the lists imported by the admin (one run
    for every tenant, or one per tenant of ``import_tenants``). ``extra_env`` is added to the Airflow processes'
    environment (another module's options); ``meta_db`` names its metadata DB."""
    postgres_url = os.environ.get("TEST_POSTGRES_URL")
    if not postgres_url:
        pytest.skip("TEST_POSTGRES_URL is not set: the end-to-end test needs PostgreSQL for Airflow's metadata DB")
    from scripts.demo_data import TENANTS, build_emulator_seed

    services = Services(tmp / "logs")
    try:
        crm_path = tmp / "crm.db"
        crm = build_demo_crm(crm_path)
        base = clean_base_environment()
        emulator_url = start_emulator(services, build_emulator_seed(crm), tmp / "emulator-seed.json", base)
        port = free_port()
        env = {**base, **airflow_services_environment(
            tmp / "airflow", port=port, jwt_secret=secrets.token_urlsafe(64),
            sql_alchemy_conn=_metadata_db(postgres_url, meta_db), parallelism=4, use_job_schedule=False),
            **demo_connections(crm_path, emulator_url, TENANTS), **(extra_env or {})}
        env["AIRFLOW__CORE__AUTH_MANAGER"] = FAB
        env.pop("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", None)
        services.run("db-migrate", airflow_argv("db", "migrate"), env)
        services.run("roles", [airflow_argv()[0], "-m", "cleverreach.ui.roles"], env)
        for user, role in USERS.items():
            services.run(f"user-{user}", airflow_argv("users", "create", "--username", user, "--password", f"{user}-pw",
                                                      "--role", role, "--firstname", user, "--lastname", "E2E",
                                                      "--email", f"{user}@example.org"), env)
        for user, tenant in grants:
            _grant(crm_path, user, tenant)
        start_airflow(services, env, triggerer=False)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/api/v2/monitor/health"), timeout=120, what="the API server", services=services)
        stack = Fab(url, services, crm_path, emulator_url)
        wait_until(lambda: len(stack.api("GET", "/api/v2/dags", params={"dag_id_pattern": "cleverreach"}).json()
                               .get("dags", [])) >= 3, timeout=120, what="the DAGs", services=services, interval=1)
        for dag_id in ("cleverreach_import_lists", "cleverreach_manage_members", "cleverreach_sync_recipients"):
            stack.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        for conf in [{"tenant": tenant} for tenant in import_tenants] or [{}]:
            resp = stack.api("POST", "/api/v2/dags/cleverreach_import_lists/dagRuns",
                             json={"logical_date": None, "conf": conf})
            assert resp.status_code == 200, resp.text
            run_id = resp.json()["dag_run_id"]
            assert stack.wait_run("cleverreach_import_lists", run_id)["state"] == "success"
    except BaseException:
        print("\n" + services.tails(40))
        services.stop()
        raise
    try:
        yield stack
    finally:
        services.stop()
        shutil.copytree(services.log_dir, ARTIFACTS / logs_name, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def fab(tmp_path_factory):
    with fab_stack(tmp_path_factory.mktemp("e2e-page")) as stack:
        yield stack


@contextmanager
def crm_transaction(crm_path: Path) -> Iterator[Any]:
    """One transaction on the stack's SQLite CRM (which also holds the integration's private state)."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{crm_path}")
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _grant(crm_path: Path, user: str, tenant: str) -> None:
    from cleverreach.access import TenantGrantStore
    from cleverreach.audit.actor import Actor
    from cleverreach.crm.migrations import migrate
    from cleverreach.hooks.crm import engine_from_fields

    engine = engine_from_fields("sqlite", host=str(crm_path))
    try:
        migrate(engine)
        TenantGrantStore(engine).grant(user, tenant, Actor.user("e2e"))
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


def login_as(driver, fab: Fab, user: str | None) -> None:
    """Airflow's own session: the UI's `_token` cookie with a JWT from /auth/token (no second login)."""
    driver.get(f"{fab.url}/api/v2/version")
    driver.delete_all_cookies()
    if user:
        driver.add_cookie({"name": "_token", "value": fab.token(user), "path": "/"})


def shot(driver, name: str) -> Path:
    path = ARTIFACTS / f"page-{name}.png"
    driver.save_screenshot(str(path))
    return path


def _wait(driver, condition, what: str, name: str, timeout: float = TIMEOUT):
    """An explicit wait; on a timeout a screenshot and the page's text say what was missing."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)
    except TimeoutException:
        path = shot(driver, f"{name}-timeout")
        text = _body_text(driver)
        pytest.fail(f"{driver.current_url} did not show {what} within {timeout:.0f} s ({path}):\n{text[:1500]}",
                    pytrace=False)


def _body_text(driver) -> str:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except WebDriverException:  # the page is being replaced
        return ""


def wait_for(driver, *needles: str, name: str, timeout: float = TIMEOUT) -> str:
    """Wait until the page shows every one of ``needles``; returns the page's text."""
    def shown(d):
        text = _body_text(d)
        return text if all(n in text for n in needles) else False

    return _wait(driver, shown, f"{list(needles)}", name, timeout)


def element(driver, css: str, name: str, timeout: float = TIMEOUT):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return _wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)), css, name, timeout)


def click(driver, css: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    _wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, css)), f"a clickable {css}", "click").click()


def first_list(fab: Fab, tenant: str = "acme") -> int:
    return min(row["id"] for row in fab.api("GET", f"/cleverreach/api/tenants/{tenant}/lists").json())


def open_list(driver, fab: Fab, tenant: str = "acme") -> int:
    list_id = first_list(fab, tenant)
    driver.get(f"{fab.url}/cleverreach/")
    wait_for(driver, "Tenants", tenant, name="tenants")
    click(driver, f"#tenants tr[data-tenant='{tenant}']")
    click(driver, f"#lists tr[data-list='{list_id}']")
    element(driver, "#tab-details #list-external-id", name="list")
    wait_for(driver, f"({list_id})", name="list")
    return list_id


def started_run(driver, dag_id: str, name: str, previous: str | None = None) -> tuple[str, str]:
    """The run the page just started, from the link in its message (another than ``previous``): (run id, link)."""
    from urllib.parse import unquote

    from selenium.common.exceptions import WebDriverException

    def new_link(d):
        try:
            link = d.find_element("css selector", "#message a").get_attribute("href")
        except WebDriverException:
            return False
        return link if link and link != previous and f"/dags/{dag_id}/runs/" in link else False

    link = _wait(driver, new_link, f"a new run of {dag_id} in the message", name)
    wait_for(driver, "run manual__", dag_id, name=name)
    return unquote(link.rstrip("/").rsplit("/", 1)[1]), link


def ensure_synced_members(fab: Fab) -> None:
    """The first list of acme has synced members (the editor's test adds them; alone, this adds some)."""
    list_id = first_list(fab)
    if fab.api("GET", f"/cleverreach/api/tenants/acme/lists/{list_id}").json()["member_counts"]:
        return
    category = fab.api("GET", f"/cleverreach/api/tenants/acme/lists/{list_id}/recipients/vocabulary").json()["category"][0]
    run_id = fab.api("POST", "/api/v2/dags/cleverreach_manage_members/dagRuns",
                     json={"logical_date": None, "conf": {"tenant": "acme", "list_id": list_id, "action": "add",
                                                          "category": category}}).json()["dag_run_id"]
    assert fab.wait_run("cleverreach_manage_members", run_id)["state"] == "success"
    sync = fab.api("GET", "/api/v2/dags/cleverreach_sync_recipients/dagRuns",
                   params={"order_by": "-run_after", "limit": 1}).json()["dag_runs"][0]
    assert fab.wait_run("cleverreach_sync_recipients", sync["dag_run_id"])["state"] == "success"


def test_an_anonymous_request_is_refused(fab, chromium):
    assert fab.api("GET", "/cleverreach/api/tenants", user=None).status_code == 401
    assert fab.api("GET", "/cleverreach/api/tenants/acme/lists", user=None).status_code == 401
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["permissions"] == ["view"]
    login_as(chromium, fab, None)
    chromium.get(f"{fab.url}/cleverreach/")
    text = wait_for(chromium, "Error 401", "not logged in to Airflow", name="anonymous")
    assert "acme" not in text
    shot(chromium, "anonymous-refused")


def test_the_nav_entry_shows_the_page_inside_airflow(fab, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    plugins = fab.api("GET", "/api/v2/plugins").json()["plugins"]
    assert any(p["name"] == "cleverreach_ui" for p in plugins)
    login_as(chromium, fab, "admin")
    chromium.get(f"{fab.url}/")
    _wait(chromium, ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Browse']")),
          "the Browse menu", "nav").click()
    entry = _wait(chromium, ec.element_to_be_clickable((By.XPATH, "//*[@role='menuitem'][normalize-space()='CleverReach'] | //a[normalize-space()='CleverReach']")),
                  "CleverReach in the Browse menu", "nav-menu")
    shot(chromium, "nav-menu")
    entry.click()
    _wait(chromium, ec.url_contains("/plugin/cleverreach"), "the plugin route", "nav")
    _wait(chromium, ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe[src*='/cleverreach/']")),
          "the page's iframe", "nav")
    try:
        wait_for(chromium, "Tenants", "acme", "nordlicht", name="in-airflow")
    finally:
        chromium.switch_to.default_content()
    shot(chromium, "in-airflow-nav")


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
    element(chromium, "#filter-category option:nth-child(2)", name="vocabulary")  # the CRM's categories arrived
    Select(chromium.find_element(By.ID, "filter-category")).select_by_index(1)
    click(chromium, "#add-preview")
    text = wait_for(chromium, "contact person(s) match", name="preview")
    assert "without a valid e-mail address" in text
    shot(chromium, "editor-preview")
    click(chromium, "#add-submit")
    run_id, link = started_run(chromium, "cleverreach_manage_members", name="added")
    run = fab.wait_run("cleverreach_manage_members", run_id)
    assert run["state"] == "success" and run["triggering_user_name"] == "editor"
    chromium.get(link)
    wait_for(chromium, "manage_members", "editor", name="grid")
    shot(chromium, "editor-run-in-grid")


def test_dry_run_shows_the_plan_then_apply(fab, chromium):
    login_as(chromium, fab, "editor")
    open_list(chromium, fab)
    click(chromium, ".tabs button[data-tab='sync']")
    previous = None
    for button, dry in (("#sync-dry-run", True), ("#sync-apply", False)):
        click(chromium, button)
        run_id, previous = started_run(chromium, "cleverreach_sync_recipients", name="sync", previous=previous)
        run = fab.wait_run("cleverreach_sync_recipients", run_id)
        assert run["state"] == "success", fab.task_log("cleverreach_sync_recipients", run_id, "sync_list")
        click(chromium, "#sync-refresh")
        row = f"#runs tr[data-airflow-run='{run_id}']"
        status = element(chromium, f"{row} td:nth-child(3)", name="runs").text
        assert status == ("dry_run" if dry else "success")
        click(chromium, row)
        sync_run = chromium.find_element("css selector", row).get_attribute("data-run")
        text = wait_for(chromium, f"Plan of run {sync_run} ({status})", name="plan")
        assert "Action" in text.split(f"Plan of run {sync_run}", 1)[1]
        shot(chromium, "plan-dry-run" if dry else "plan-applied")


def test_a_viewer_sees_lists_and_members_but_cannot_change_anything(fab, chromium):
    from selenium.webdriver.common.by import By

    ensure_synced_members(fab)
    login_as(chromium, fab, "viewer")
    list_id = open_list(chromium, fab)
    assert chromium.find_element(By.ID, "list-save").get_attribute("disabled") is not None
    assert chromium.find_element(By.ID, "list-name").get_attribute("readonly") is not None
    click(chromium, ".tabs button[data-tab='members']")
    wait_for(chromium, "page 1 of 1", name="viewer-members")
    element(chromium, "#members td.ok.state", name="viewer-members")  # the "synchronised" tick
    assert "✔ synced" in chromium.find_element(By.ID, "members").text
    for control in ("member-remove", "member-remove-rejected", "member-prev", "member-next"):
        assert chromium.find_element(By.ID, control).get_attribute("disabled") is not None, control
    click(chromium, "#members th[data-sort='email']")
    element(chromium, "#members th.sorted[data-sort='email']", name="viewer-sorted")
    emails = [e for e in (td.text for td in chromium.find_elements(By.CSS_SELECTOR, "#members tbody td:nth-child(4)"))
              if e != "no e-mail"]
    assert emails == sorted(emails) and emails
    shot(chromium, "viewer-members")
    click(chromium, ".tabs button[data-tab='sync']")
    element(chromium, "#runs tbody tr", name="viewer-runs")
    assert chromium.find_element(By.ID, "sync-apply").get_attribute("disabled") is not None
    resp = fab.api("PUT", f"/cleverreach/api/tenants/acme/lists/{list_id}", user="viewer", json={"name": "x"})
    assert resp.status_code == 403
    resp = fab.api("POST", f"/cleverreach/api/tenants/acme/lists/{list_id}/sync", user="viewer", json={"dry_run": True})
    assert resp.status_code == 403


def test_an_editor_of_one_tenant_cannot_open_another_tenants_list(fab, chromium):
    login_as(chromium, fab, "ed_acme")
    chromium.get(f"{fab.url}/cleverreach/")
    text = wait_for(chromium, "tenants: acme", name="scoped")
    assert "nordlicht" not in text.split("Tenants", 1)[1]
    shot(chromium, "scoped-editor")
    other = first_list(fab, "nordlicht")
    chromium.get(f"{fab.url}/cleverreach/#tenant=nordlicht&list={other}")
    chromium.refresh()  # a new hash alone does not reload the page
    wait_for(chromium, "Error 403", "may not act on tenant 'nordlicht'", name="scoped-refused")
    shot(chromium, "scoped-editor-refused")
    resp = fab.api("GET", f"/cleverreach/api/tenants/nordlicht/lists/{other}", user="ed_acme")
    assert resp.status_code == 403 and "may not act on tenant 'nordlicht'" in resp.json()["detail"]
    # nor by triggering the DAG directly: the first task refuses, with a clear message
    run_id = fab.api("POST", "/api/v2/dags/cleverreach_sync_recipients/dagRuns", user="ed_acme",
                     json={"logical_date": None, "conf": {"tenant": "nordlicht", "dry_run": True}}).json()["dag_run_id"]
    assert fab.wait_run("cleverreach_sync_recipients", run_id)["state"] == "failed"
    assert "may not act on tenant 'nordlicht'" in fab.task_log("cleverreach_sync_recipients", run_id, "resolve_lists")
