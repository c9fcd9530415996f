"""The CleverReach page (a react_apps plugin inside Airflow's UI) in a real Airflow with the FAB auth manager.

The stack (``fab_stack``, also used by the rights modules): a fresh PostgreSQL metadata DB, the CleverReach roles
from ``python -m cleverreach.ui.roles``, FAB users per role, an editor limited to tenant ``acme``. The page's
modules share one stack and one Chromium per session (``page_fab`` and ``page`` in conftest.py); the helpers to
drive the page (``PageDriver``) are here. Screenshots: ``artifacts/e2e/page-<role>-<lang>-<screen>.png``. The
metadata DB is ``cleverreach_e2e_page_meta``, or ``E2E_PAGE_META_DB`` (two checkouts on one server).
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

from scripts.airflow_env import REPO, airflow_services_environment, free_port, fresh_postgres_database
from scripts.local_airflow import (Services, airflow_argv, build_demo_crm, clean_base_environment, demo_connections,
                                   http_ok, start_airflow, start_emulator, wait_until)

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO / "artifacts" / "e2e"
META_DB = os.environ.get("E2E_PAGE_META_DB", "cleverreach_e2e_page_meta")  # dropped and created fresh
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
USERS = {"admin": "Admin", "viewer": "CleverReach Viewer", "editor": "CleverReach Editor", "ed_acme": "CleverReach Editor",
         "cr_admin": "CleverReach Admin"}
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
TIMEOUT = 40


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
            sql_alchemy_conn=fresh_postgres_database(postgres_url, meta_db), parallelism=4, use_job_schedule=False),
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


# ---------------------------------------------------------------------------------------------- the browser
PAGE = "/plugin/cleverreach"
LANGUAGES = ("de", "en")


@contextmanager
def chromium_driver() -> Iterator[Any]:
    """Headless Debian Chromium with its chromedriver (Selenium offline: no driver download)."""
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


def tid(name: str, extra: str = "") -> str:
    """The CSS selector of a data-testid (and what follows it, e.g. `` [data-tenant='acme']``)."""
    return f"[data-testid='{name}']{extra}"


def shot(driver, name: str) -> Path:
    path = ARTIFACTS / f"page-{name}.png"
    driver.save_screenshot(str(path))
    return path


def _body_text(driver) -> str:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except WebDriverException:  # the page is being replaced
        return ""


def _wait(driver, condition, what: str, name: str, timeout: float = TIMEOUT):
    """An explicit wait; on a timeout a screenshot and the page's text say what was missing."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # an element React replaced while the condition read it: asked again
        return WebDriverWait(driver, timeout, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except TimeoutException:
        path = shot(driver, f"{name}-timeout")
        text = _body_text(driver)
        pytest.fail(f"{driver.current_url} did not show {what} within {timeout:.0f} s ({path}):\n{text[:2000]}",
                    pytrace=False)


class PageDriver:
    """One Chromium on the page: who is logged in, in which language and colour mode, and waits by data-testid."""

    def __init__(self, driver, fab: Fab) -> None:
        self.driver, self.fab = driver, fab
        self.role, self.lang = "anonymous", "de"

    # -- who and how
    def as_user(self, user: str | None, lang: str = "de", role: str | None = None, theme: str = "light") -> "PageDriver":
        """Airflow's own session (the `_token` cookie with a JWT from /auth/token), Airflow's UI language
        (localStorage ``i18nextLng``) and colour mode (``theme``), all set before the page loads."""
        self.driver.get(f"{self.fab.url}/api/v2/version")
        self.driver.delete_all_cookies()
        self.driver.execute_script("localStorage.clear(); sessionStorage.clear();"
                                   "localStorage.setItem('i18nextLng', arguments[0]);"
                                   "localStorage.setItem('theme', arguments[1]);", lang, theme)
        if user:
            self.driver.add_cookie({"name": "_token", "value": self.fab.token(user), "path": "/"})
        self.role, self.lang = role or user or "anonymous", lang
        return self

    def open(self, path: str = "") -> "PageDriver":
        self.driver.get(f"{self.fab.url}{PAGE}{path}")
        return self

    def shot(self, screen: str) -> Path:
        return shot(self.driver, f"{self.role}-{self.lang}-{screen}")

    # -- waits
    def text(self) -> str:
        return _body_text(self.driver)

    def wait_text(self, *needles: str, name: str = "text", timeout: float = TIMEOUT) -> str:
        def shown(d):
            text = _body_text(d)
            return text if all(n in text for n in needles) else False

        return _wait(self.driver, shown, f"{list(needles)}", name, timeout)

    def element(self, css: str, name: str = "element", timeout: float = TIMEOUT):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return _wait(self.driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)), css, name, timeout)

    def elements(self, css: str) -> list[Any]:
        return self.driver.find_elements("css selector", css)

    def present(self, css: str) -> bool:
        """Whether an element of ``css`` is shown (asked again while React replaces it)."""
        from selenium.common.exceptions import StaleElementReferenceException

        for _ in range(20):
            try:
                return any(e.is_displayed() for e in self.elements(css))
            except StaleElementReferenceException:
                time.sleep(0.1)
        return False

    def click(self, css: str, name: str = "click") -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        button = _wait(self.driver, ec.element_to_be_clickable((By.CSS_SELECTOR, css)), f"a clickable {css}", name)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()

    def disabled(self, css: str) -> bool:
        """Whether the control of ``css`` is disabled (or read-only), asked again while React replaces it."""
        from selenium.common.exceptions import StaleElementReferenceException

        def state(d):
            try:
                found = self.element(css, name="disabled")
                return ("disabled" if found.get_attribute("disabled") is not None or found.get_attribute("readonly") is not None
                        or found.get_attribute("aria-disabled") == "true" or found.get_attribute("data-disabled") is not None
                        else "enabled")
            except StaleElementReferenceException:
                return False

        return _wait(self.driver, state, f"the state of {css}", "disabled") == "disabled"

    def screen(self, name: str, *needles: str, timeout: float = TIMEOUT) -> str:
        """Wait for a screen: its title shown, nothing loading, and ``needles`` in its text; returns the text."""
        self.element(tid("title"), name=name, timeout=timeout)
        _wait(self.driver, lambda d: not self.present(tid("loading")), "the end of loading", name, timeout)
        return self.wait_text(*needles, name=name, timeout=timeout)

    def title(self) -> str:
        return self.element(tid("title"), name="title").text

    def error(self, name: str) -> str:
        return self.element(tid("error"), name=name).text

    def fetch_status(self, path: str) -> int:
        """The status the page's own API answers the browser (its cookies) for ``path`` under /cleverreach/api/."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status), () => done(-1));",
            f"{self.fab.url}/cleverreach/api/{path}")


def first_list(fab: Fab, tenant: str = "acme") -> str:
    return str(min(int(row["id"]) for row in fab.api("GET", f"/cleverreach/api/tenants/{tenant}/lists").json()))


def run_ids(fab: Fab, dag_id: str) -> set[str]:
    """Every run of ``dag_id`` so far (to tell that a cancelled action started none)."""
    runs = fab.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 1000}).json()["dag_runs"]
    return {r["dag_run_id"] for r in runs}


def ensure_synced_members(fab: Fab, tenant: str = "acme") -> str:
    """The first list of ``tenant`` has synced members (added by category, then synced); returns the list id."""
    list_id = first_list(fab, tenant)
    if fab.api("GET", f"/cleverreach/api/tenants/{tenant}/lists/{list_id}").json().get("member_counts"):
        return list_id
    category = fab.api("GET", f"/cleverreach/api/tenants/{tenant}/lists/{list_id}/recipients/vocabulary").json()["category"][0]
    run_id = fab.api("POST", "/api/v2/dags/cleverreach_manage_members/dagRuns",
                     json={"logical_date": None, "conf": {"tenant": tenant, "list_id": int(list_id), "action": "add",
                                                          "category": category}}).json()["dag_run_id"]
    assert fab.wait_run("cleverreach_manage_members", run_id)["state"] == "success"
    sync = fab.api("GET", "/api/v2/dags/cleverreach_sync_recipients/dagRuns",
                   params={"order_by": "-run_after", "limit": 1}).json()["dag_runs"][0]
    assert fab.wait_run("cleverreach_sync_recipients", sync["dag_run_id"])["state"] == "success"
    return list_id


def catalogue(lang: str) -> dict[str, Any]:
    """The page's own words (frontend/src/i18n/<lang>.json): a screen in the wrong language misses them."""
    return json.loads((REPO / "frontend" / "src" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def word(lang: str, key: str) -> str:
    found: Any = catalogue(lang)
    for part in key.split("."):
        found = found[part]
    return found


def _luminance(driver, css: str) -> float:
    """The relative luminance (0 black … 1 white) of an element's text colour (any CSS colour, e.g. oklch(),
    painted on a canvas and read back as sRGB)."""
    r, g, b = driver.execute_script(
        "const c = document.createElement('canvas').getContext('2d');"
        "c.fillStyle = getComputedStyle(document.querySelector(arguments[0])).color; c.fillRect(0, 0, 1, 1);"
        "return Array.from(c.getImageData(0, 0, 1, 1).data.slice(0, 3));", css)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


# ---------------------------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("lang", LANGUAGES)
def test_anonymous_gets_airflows_login_and_the_page_api_answers_401(page, lang):
    page.as_user(None, lang, role="anonymous").open("/tenants/acme/lists")
    _wait(page.driver, lambda d: "login" in d.current_url and d.find_elements("css selector", "input[type='password']"),
          "Airflow's login form", "anonymous")
    page.shot("login")
    assert "ACME Handels" not in page.text()
    for path in ("me", "tenants", "tenants/acme/lists", "tenants/acme/audit"):
        assert page.fetch_status(path) == 401, path
        assert page.fab.api("GET", f"/cleverreach/api/{path}", user=None).status_code == 401, path


@pytest.mark.parametrize("user", ["admin", "viewer"])
def test_the_nav_entry_renders_the_page_inside_airflows_ui_without_an_iframe(page, user):
    """Airflow's admin, and the least of the CleverReach roles, find the page in Airflow's Browse menu."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    assert any(p["name"] == "cleverreach_ui" for p in page.fab.api("GET", "/api/v2/plugins").json()["plugins"])
    page.as_user(user, "en", role=user)
    page.driver.get(f"{page.fab.url}/")
    _wait(page.driver, ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Browse']")),
          "the Browse menu", "nav").click()
    entry = _wait(page.driver, ec.element_to_be_clickable(
        (By.XPATH, "//*[@role='menuitem'][normalize-space()='CleverReach'] | //a[normalize-space()='CleverReach']")),
        "CleverReach in the Browse menu", "nav-menu")
    page.shot("nav-menu")
    entry.click()
    _wait(page.driver, ec.url_contains(PAGE), "the plugin route", "nav")
    page.screen("nav", "ACME Handels GmbH", "Nordlicht Vertriebs AG")
    assert page.title() == word("en", "tenants.title") == "Tenants"
    assert not page.elements("iframe") and page.elements("[data-cleverreach-page][lang='en']")
    page.shot("in-airflow")
    page.driver.get(f"{page.fab.url}/cleverreach/")  # the old address leads to the page in Airflow
    _wait(page.driver, ec.url_contains(PAGE), "the redirect from /cleverreach/", "old-address")
    page.screen("old-address", "ACME Handels GmbH")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_follows_airflows_dark_mode(page, lang):
    for theme in ("light", "dark"):
        page.as_user("editor", lang, role="editor", theme=theme).open()
        page.screen(f"theme-{theme}", "ACME Handels GmbH")
        dark = page.driver.execute_script("return document.documentElement.classList.contains('dark')")
        assert dark == (theme == "dark")
        brightness = _luminance(page.driver, tid("title"))
        assert (brightness > 0.6) if theme == "dark" else (brightness < 0.4), (theme, brightness)
        if theme == "dark":
            page.shot("tenants-dark")
