"""End to end through real Airflow: REST API v2 triggers, scheduler + LocalExecutor, the CRM, the emulator, the UI.

The tests run in the order a data team works and build on each other's results (one stack per session):
import the lists, add the customers of one tenant to a list, sync that list, load the mail history,
then look at the result in the browser.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from cleverreach_emulator import EmulatorClient

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

TENANT = "acme"
LIST_NAME = "Kundeninformation"  # an empty group in the demo seed
CATEGORY = "Kunde"
STATE: dict = {}  # what earlier tests found out, for the later ones


def _needs(*keys: str) -> None:
    missing = [k for k in keys if k not in STATE]
    if missing:
        pytest.skip(f"an earlier step did not run or failed (missing {missing})")


# ------------------------------------------------------------------------------------------ DAG runs
def test_import_lists_for_every_tenant(stack):
    stack.run_dag("cleverreach_import_lists", {"tenant": None})

    rows = stack.crm_rows("SELECT id, tenant_id, external_id, name, remote_member_count FROM recipient_list "
                          "ORDER BY tenant_id, external_id")
    by_tenant = {}
    for row in rows:
        by_tenant.setdefault(row["tenant_id"], []).append(row["name"])
    assert by_tenant == {t: ["Newsletter", "Kundeninformation", "Messe-Einladungen"] for t in ("acme", "nordlicht")}
    newsletter = next(r for r in rows if r["tenant_id"] == TENANT and r["name"] == "Newsletter")
    assert newsletter["remote_member_count"] > 0
    target = next(r for r in rows if r["tenant_id"] == TENANT and r["name"] == LIST_NAME)
    STATE["list_id"], STATE["group_id"] = target["id"], target["external_id"]


def test_manage_members_adds_the_customers_of_a_category(stack):
    _needs("list_id")
    address_ids = {a["id"] for a in stack.crm["address"] if a["tenant_id"] == TENANT and a["category"] == CATEGORY}
    expected = {c["id"] for c in stack.crm["contact_person"] if c["address_id"] in address_ids}
    assert expected

    stack.run_dag("cleverreach_manage_members", {
        "tenant": TENANT, "list_id": STATE["list_id"], "action": "add", "category": CATEGORY, "sync_after": False,
    })

    members = stack.crm_rows("SELECT contact_person_id, sync_state, added_by FROM recipient_list_member "
                             "WHERE list_id = :list_id", list_id=STATE["list_id"])
    assert {m["contact_person_id"] for m in members} == expected
    assert {m["sync_state"] for m in members} == {"pending"}
    assert {m["added_by"] for m in members} == {f"user:{stack.user}"}  # the user who triggered the run
    # sync_after false: no sync was triggered
    assert stack.api.runs("cleverreach_sync_recipients") == []
    STATE["members"] = expected


def test_sync_recipients_writes_the_list_to_cleverreach(stack):
    _needs("list_id", "members")
    run_id = stack.run_dag("cleverreach_sync_recipients", {"tenant": TENANT, "list_id": STATE["list_id"]})
    STATE["sync_run_id"] = run_id

    members = stack.crm_rows(
        "SELECT m.contact_person_id, m.sync_state, m.sync_error, c.email FROM recipient_list_member m "
        "JOIN contact_person c ON c.id = m.contact_person_id WHERE m.list_id = :list_id", list_id=STATE["list_id"])
    states = {m["sync_state"] for m in members}
    assert "pending" not in states, members
    assert states <= {"synced", "rejected"}, states
    synced = {m["contact_person_id"]: m["email"].strip().lower() for m in members if m["sync_state"] == "synced"}
    rejected = [m for m in members if m["sync_state"] == "rejected"]
    assert synced
    assert all(m["sync_error"] for m in rejected)
    assert all(m["contact_person_id"] in synced or m["sync_state"] == "rejected" for m in members)
    without_email = [m for m in members if not (m["email"] or "").strip()]
    assert all(m["sync_state"] == "rejected" for m in without_email)

    with EmulatorClient(stack.emulator_url) as emulator:
        receivers = emulator.group_receivers(STATE["group_id"])
    assert {r["email"].lower() for r in receivers} == set(synced.values())
    assert all(r["active"] for r in receivers)
    ext_ids = {r["global_attributes"].get("ext_id") for r in receivers}
    assert ext_ids == {str(cid) for cid in synced}

    runs = stack.crm_rows("SELECT id, status, dry_run, added, removed, rejected, run_id FROM sync_run "
                          "WHERE list_id = :list_id", list_id=STATE["list_id"])
    assert len(runs) == 1
    run = runs[0]
    assert (run["status"], bool(run["dry_run"]), run["added"], run["removed"], run["rejected"]) == (
        "success", False, len(synced), 0, len(rejected))
    assert run["run_id"] == run_id
    changes = stack.crm_rows("SELECT action, result, new_value FROM sync_change WHERE run_id = :id", id=run["id"])
    assert sorted(c["action"] for c in changes) == sorted(["add"] * len(synced) + ["reject"] * len(rejected))
    assert {c["result"] for c in changes if c["action"] == "add"} == {"ok"}
    assert all(json.loads(c["new_value"]) for c in changes if c["action"] == "add")


@pytest.mark.skipif(not (REPO / "dags" / "cleverreach_sync_mail_history.py").exists(),
                    reason="dags/cleverreach_sync_mail_history.py does not exist")
def test_sync_mail_history_loads_the_contact_history(stack):
    _needs("list_id")  # the lists are imported
    stack.run_dag("cleverreach_sync_mail_history", {"tenant": TENANT})

    rows = stack.crm_rows("SELECT tenant_id, kind, source, contact_person_id FROM contact_history")
    assert rows, "no contact history was loaded"
    assert {r["tenant_id"] for r in rows} == {TENANT}
    assert {r["source"] for r in rows} == {"cleverreach"}
    assert "mail_sent" in {r["kind"] for r in rows}
    known = {c["id"] for c in stack.crm["contact_person"] if c["tenant_id"] == TENANT}
    assert {r["contact_person_id"] for r in rows} <= known


def test_connection_test_endpoint_is_enabled(stack):
    """``[core] test_connection = Enabled``: the form's Test button reaches CleverReach through the hook."""
    from scripts.demo_data import TENANTS

    tenant = next(t for t in TENANTS if t["id"] == TENANT)
    good = stack.api.post("/connections/test", {
        "connection_id": "cleverreach_form_test", "conn_type": "cleverreach", "host": stack.emulator_url,
        "login": tenant["client_id"], "password": tenant["secret"]})
    assert good["status"] is True, good
    bad = stack.api.post("/connections/test", {
        "connection_id": "cleverreach_form_test", "conn_type": "cleverreach", "host": stack.emulator_url,
        "login": tenant["client_id"], "password": "wrong"})
    assert bad["status"] is False, bad


# ------------------------------------------------------------------------------------------ the UI
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000"]
UI_TIMEOUT = 30


@pytest.fixture(scope="module")
def browser(stack):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(f"{CHROMIUM} and {CHROMEDRIVER} are needed (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    service = Service(CHROMEDRIVER, log_output=str(stack.services.log_dir / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    stack.artifacts.mkdir(parents=True, exist_ok=True)
    driver.artifacts = stack.artifacts
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _screenshot(driver, name: str) -> Path:
    path = driver.artifacts / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def _page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def _wait_for_text(driver, *needles: str, timeout: float = UI_TIMEOUT, shot: str) -> str:
    """Wait until the page shows every needle; on timeout save a screenshot and say what was there."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            text = _page_text(driver)
        except Exception:  # noqa: BLE001 - the SPA is re-rendering
            text = ""
        if all(n in text for n in needles):
            return text
        if time.monotonic() > deadline:
            path = _screenshot(driver, f"{shot}-timeout")
            missing = [n for n in needles if n not in text]
            pytest.fail(f"{driver.current_url} did not show {missing} within {timeout} s (screenshot {path}); "
                        f"page text:\n{text[:2000]}", pytrace=False)
        time.sleep(0.5)


def _login(driver, stack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{stack.url}/")  # the SPA sends an anonymous user to /auth/login
    wait = WebDriverWait(driver, UI_TIMEOUT)
    username = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "input[name=username]")))
    username.send_keys(stack.user)
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(stack.password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "/auth/login" not in d.current_url and d.get_cookie("_token"))


def test_ui_shows_the_successful_sync_run(stack, browser):
    _needs("sync_run_id")
    _login(browser, stack)
    run_id = STATE["sync_run_id"]

    browser.get(f"{stack.url}/dags/cleverreach_sync_recipients/runs")
    _wait_for_text(browser, "cleverreach_sync_recipients", run_id, "Success", shot="runs")
    _screenshot(browser, "runs")

    # the grid: task rows of the DAG, and the run's own page with its state
    browser.get(f"{stack.url}/dags/cleverreach_sync_recipients")
    _wait_for_text(browser, "resolve_lists", "sync_list", "summarize", shot="grid")
    _screenshot(browser, "grid")
    browser.get(f"{stack.url}/dags/cleverreach_sync_recipients/runs/{run_id}")
    # the run's task instances, with the mapped sync task labelled tenant/list
    _wait_for_text(browser, run_id, "Success", "sync_list", f"{TENANT}/{STATE['list_id']}", shot="run")
    _screenshot(browser, "run")


def test_ui_connection_form_has_the_cleverreach_fields(stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    if not browser.get_cookie("_token"):
        _login(browser, stack)
    wait = WebDriverWait(browser, UI_TIMEOUT)
    browser.get(f"{stack.url}/connections")
    add = wait.until(ec.element_to_be_clickable((By.XPATH, "//button[contains(., 'Add Connection')]")))
    add.click()
    dialog = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    dialog.find_element(By.CSS_SELECTOR, "input[name=connection_id]").send_keys("cleverreach_example")
    conn_type = dialog.find_element(By.CSS_SELECTOR, "input[role=combobox]")
    conn_type.click()
    conn_type.send_keys("CleverReach")
    wait.until(ec.visibility_of_element_located((By.XPATH, "//*[@role='option'][contains(., 'CleverReach')]"))).click()

    _wait_for_text(browser, "Standard Fields", "Client ID", "Client secret", "API root", shot="connection-form")
    # the provider's extras are in the collapsed "Extra Fields" section
    extra = wait.until(ec.element_to_be_clickable((By.XPATH, "//button[normalize-space(.)='Extra Fields']")))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", extra)
    extra.click()
    _wait_for_text(browser, "ext_id attribute", "Write batch size", "Removal mode", shot="connection-form")
    host = browser.find_element(By.CSS_SELECTOR, "input[name=host]")
    assert host.get_attribute("placeholder") == "https://rest.cleverreach.com"
    _screenshot(browser, "connection-form")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
