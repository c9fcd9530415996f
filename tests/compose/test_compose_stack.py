"""docker-compose.yaml brought up for real (issue 19): images built, the stack healthy, the DAGs through the
REST API, an editor in the browser, a worker container killed mid-sync, ``down`` and ``up`` again, and nothing
left running, mounted or changed on the machine afterwards.

The tests build on each other in this order (one stack per session, tests/compose/conftest.py). Figures
(image sizes, time to a healthy stack, DAG run times): ``artifacts/compose/figures.json``; screenshots and the
containers' logs: ``artifacts/compose/``.
"""

from __future__ import annotations

import math
import time
from datetime import datetime

import pytest
import requests

from cleverreach_emulator import EmulatorClient
from scripts.compose_engine import podman
from tests.compose.conftest import ARTIFACTS, BATCH_SIZE, LONG_RUNNING, ONE_SHOT, PROJECT, WORKERS

pytestmark = pytest.mark.compose

TENANT, CLIENT_ID = "acme", "demo-acme-client"
LIST_NAME, KILL_LIST = "Kundeninformation", "Messe-Einladungen"  # empty groups of the demo seed
EDITOR, EDITOR_PASSWORD = "anna", "anna-compose-Passw0rd-4711"
WRITES = "receivers"  # the write calls of a batch: POST /v3/groups/{id}/receivers[/upsert|/insert]
STATE: dict = {}


def _needs(*keys: str) -> None:
    missing = [k for k in keys if k not in STATE]
    if missing:
        pytest.skip(f"an earlier step did not run or failed (missing {missing})")


def _seconds(run: dict) -> float:
    start, end = (datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
    return round((end - start).total_seconds(), 1)


def _run(stack, api, dag_id: str, conf: dict, label: str, timeout: float = 240) -> dict:
    run_id = api.trigger(dag_id, conf)
    run = stack.wait_run(api, dag_id, run_id, timeout=timeout)
    stack.figures.setdefault("dag_run_s", {})[label] = _seconds(run)
    return run


def _writes(client: EmulatorClient) -> int:
    return client.counters(CLIENT_ID)["writes"]


def _member_states(stack, list_id) -> dict[str, int]:
    rows = stack.crm_rows("SELECT sync_state, count(*) AS n FROM recipient_list_member WHERE list_id = :l "
                          "GROUP BY sync_state", l=list_id)
    return {r["sync_state"]: r["n"] for r in rows}


# ------------------------------------------------------------------------------------------ up
def test_the_stack_comes_up_healthy(compose_stack):
    rows = compose_stack.containers()
    services = {r["service"] for r in rows}
    assert set(LONG_RUNNING) | set(ONE_SHOT) <= services, services
    workers = compose_stack.containers("airflow-worker")
    assert len(workers) == WORKERS and all("(healthy)" in w["Status"] for w in workers), workers
    # the stand-in base is Debian's, not the official image: the README says what differs
    assert podman("image", "exists", "cleverreach-airflow:3.3.2", check=False).returncode == 0
    version = requests.get(f"{compose_stack.api_url}/api/v2/version", timeout=30).json()
    assert version["version"] == "3.3.2", version
    STATE["up"] = True


# ------------------------------------------------------------------------------------------ the DAGs
def test_import_add_dry_run_sync_resync_and_mail_history_through_the_rest_api(compose_stack):
    _needs("up")
    stack, api = compose_stack, compose_stack.api()
    client = EmulatorClient(stack.emulator_url)
    _run(stack, api, "cleverreach_import_lists", {"tenant": None}, "import_lists (2 tenants)")
    rows = stack.crm_rows("SELECT id, tenant_id, name, external_id FROM recipient_list ORDER BY tenant_id, external_id")
    assert {(r["tenant_id"], r["name"]) for r in rows} == {
        (t, n) for t in ("acme", "nordlicht") for n in ("Newsletter", LIST_NAME, KILL_LIST)}, rows
    lists = {r["name"]: r for r in rows if r["tenant_id"] == TENANT}
    list_id, group_id = lists[LIST_NAME]["id"], lists[LIST_NAME]["external_id"]

    _run(stack, api, "cleverreach_manage_members", {"tenant": TENANT, "list_id": list_id, "action": "add",
                                                    "category": "Kunde", "sync_after": False}, "manage_members add")
    members = _member_states(stack, list_id)
    assert list(members) == ["pending"] and members["pending"] > 0, members

    before = _writes(client)
    _run(stack, api, "cleverreach_sync_recipients", {"tenant": TENANT, "list_id": list_id, "dry_run": True},
         "sync_recipients dry run")
    assert _writes(client) == before, "a dry run wrote to CleverReach"
    assert _member_states(stack, list_id) == members

    _run(stack, api, "cleverreach_sync_recipients", {"tenant": TENANT, "list_id": list_id}, "sync_recipients")
    states = _member_states(stack, list_id)
    assert "pending" not in states and states.get("synced"), states
    receivers = [r for r in client.group_receivers(str(group_id)) if r.get("active", True)]
    assert len(receivers) == states["synced"]
    first_writes = _writes(client) - before
    assert first_writes > 0

    again = _writes(client)
    _run(stack, api, "cleverreach_sync_recipients", {"tenant": TENANT, "list_id": list_id}, "sync_recipients again")
    assert _writes(client) == again, "the re-sync of an unchanged list wrote to CleverReach"
    runs = stack.crm_rows("SELECT dry_run, status, added, removed FROM cleverreach.sync_run WHERE list_id = :l "
                          "ORDER BY id", l=str(list_id))
    assert [(bool(r["dry_run"]), r["status"], r["added"], r["removed"]) for r in runs] == [
        (True, "dry_run", states["synced"], 0), (False, "success", states["synced"], 0), (False, "success", 0, 0)], runs

    _run(stack, api, "cleverreach_sync_mail_history", {"tenant": TENANT}, "sync_mail_history")
    kinds = {r["kind"] for r in stack.crm_rows("SELECT DISTINCT kind FROM contact_history WHERE tenant_id = :t", t=TENANT)}
    assert "mail_sent" in kinds, kinds
    STATE.update(list_id=list_id, synced=states["synced"], kill_list=lists[KILL_LIST])
    print(f"\nsynced {states['synced']} members in {first_writes} write calls; re-sync: 0 writes; history {sorted(kinds)}")


# ------------------------------------------------------------------------------------------ the browser
def test_an_editor_created_the_readmes_way_logs_in_and_opens_the_cleverreach_page(compose_stack, chromium):
    _needs("list_id")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # README "Access": docker compose run --rm airflow-cli airflow users create --role "CleverReach Editor" ...
    compose_stack.compose("run", "--rm", "airflow-cli", "airflow", "users", "create", "--role", "CleverReach Editor",
                          "--username", EDITOR, "--password", EDITOR_PASSWORD, "--firstname", "Anna",
                          "--lastname", "Muster", "--email", "anna@example.org", timeout=300)
    driver, url = chromium, compose_stack.api_url
    wait = WebDriverWait(driver, 60, poll_frequency=0.3)
    driver.get(f"{url}/auth/login/")
    wait.until(ec.visibility_of_element_located((By.NAME, "username"))).send_keys(EDITOR)
    driver.find_element(By.NAME, "password").send_keys(EDITOR_PASSWORD)
    driver.save_screenshot(str(ARTIFACTS / "login.png"))
    driver.find_element(By.NAME, "password").submit()
    wait.until(lambda d: "/auth/login" not in d.current_url)
    assert any(c["name"] == "_token" for c in driver.get_cookies()), "no session after the login"

    driver.get(f"{url}/cleverreach/")  # the old address leads to the page in Airflow's UI
    wait.until(lambda d: "/plugin/cleverreach" in d.current_url)
    body = lambda d: d.find_element(By.TAG_NAME, "body").text  # noqa: E731
    wait.until(lambda d: ("Tenants" in body(d) or "Mandanten" in body(d)) and TENANT in body(d))
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, f"[data-testid='tenants'] tr[data-tenant='{TENANT}']"))).click()
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, f"[data-testid='lists'] tr[data-list='{STATE['list_id']}']"))).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid='tab-members']")))
    assert driver.current_url.endswith(f"/plugin/cleverreach/tenants/{TENANT}/lists/{STATE['list_id']}")
    driver.save_screenshot(str(ARTIFACTS / "cleverreach-page.png"))
    # the editor's rights on the page: the API behind it answers for this user, and the list's members are synced
    token = requests.post(f"{url}/auth/token", json={"username": EDITOR, "password": EDITOR_PASSWORD}, timeout=60)
    detail = requests.get(f"{url}/cleverreach/api/tenants/{TENANT}/lists/{STATE['list_id']}", timeout=60,
                          headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert detail.status_code == 200, detail.text
    assert detail.json()["member_counts"].get("synced") == STATE["synced"], detail.json()["member_counts"]
    STATE["editor"] = True


# ------------------------------------------------------------------------------------------ a worker dies
def test_a_worker_container_killed_mid_sync_and_the_list_converges(compose_stack):
    _needs("kill_list")
    stack, api = compose_stack, compose_stack.api()
    client = EmulatorClient(stack.emulator_url)
    kill_list = STATE["kill_list"]
    contacts = stack.crm_rows("SELECT c.id FROM contact_person c WHERE c.tenant_id = :t AND c.email IS NOT NULL "
                              "AND c.email <> ''", t=TENANT)
    stack.crm_execute("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, added_by, sync_state) "
                      "VALUES (:l, :c, CURRENT_TIMESTAMP, 'compose-test', 'pending')",
                      [{"l": kill_list["id"], "c": c["id"]} for c in contacts])
    planned = math.ceil(len(contacts) / BATCH_SIZE)  # at most (addresses the sync rejects are not written)
    assert planned >= 3, len(contacts)
    before = _writes(client)
    client.set_faults(latency_ms=2500, path_regex=WRITES, methods=["POST"])  # a wide window between batches
    try:
        run_id = api.trigger("cleverreach_sync_recipients", {"tenant": TENANT, "list_id": kill_list["id"]})
        deadline = time.monotonic() + 180
        while _writes(client) - before < 1:
            assert time.monotonic() < deadline, "the sync did not start writing"
            time.sleep(0.3)
        (ti,) = [t for t in api.task_instances("cleverreach_sync_recipients", run_id) if t["task_id"] == "sync_list"]
        hosts = {stack.hostname(w["Id"]): w["Id"] for w in stack.containers("airflow-worker")}
        assert ti["state"] == "running" and ti["hostname"] in hosts, (ti, hosts)
        victim = hosts[ti["hostname"]]
        podman("kill", victim)
        killed_at, applied = time.monotonic(), _writes(client) - before
        assert applied < planned - 1, "the sync was about to finish before the kill"
        run = stack.wait_run(api, "cleverreach_sync_recipients", run_id, timeout=300)
    finally:
        client.clear_faults()
    states = _member_states(stack, kill_list["id"])
    assert set(states) <= {"synced", "rejected"} and sum(states.values()) == len(contacts), states
    batches = math.ceil(states["synced"] / BATCH_SIZE)
    stack.figures["kill"] = {"batches": batches, "applied_before_kill": applied,
                             "converged_after_kill_s": round(time.monotonic() - killed_at, 1), "run_s": _seconds(run)}
    (ti,) = [t for t in api.task_instances("cleverreach_sync_recipients", run_id) if t["task_id"] == "sync_list"]
    assert ti["try_number"] == 2 and ti["hostname"] != next(h for h, i in hosts.items() if i == victim), ti
    runs = stack.crm_rows("SELECT status FROM cleverreach.sync_run WHERE list_id = :l AND run_id = :r ORDER BY id",
                          l=str(kill_list["id"]), r=run_id)
    assert [r["status"] for r in runs] == ["abandoned", "success"], runs
    receivers = [r for r in client.group_receivers(str(kill_list["external_id"])) if r.get("active", True)]
    assert len(receivers) == states["synced"]
    total = _writes(client) - before
    assert batches <= total <= batches + 1, (total, batches)  # at most the batch in flight written twice
    stack.up()  # the killed worker back, as an operator would: `up -d` (again after aardvark-dns's flake), healthy
    STATE["killed"] = True
    print(f"\nkilled a worker after {applied} of {batches} batches; converged with {total} write calls")


# ------------------------------------------------------------------------------------------ down and up
def test_down_and_up_again_keep_the_crm_data_the_metadata_db_and_the_private_state(compose_stack):
    _needs("list_id")
    stack = compose_stack
    api = stack.api()
    members = stack.crm_rows("SELECT list_id, contact_person_id, sync_state FROM recipient_list_member ORDER BY 1, 2")
    private = stack.crm_rows("SELECT id, list_id, status FROM cleverreach.sync_run ORDER BY id")
    runs = {d: sorted(r["dag_run_id"] for r in api.runs(d)) for d in
            ("cleverreach_import_lists", "cleverreach_sync_recipients", "cleverreach_sync_mail_history")}
    assert members and private and all(runs.values())

    stack.compose("down", "--timeout", "20")
    assert stack.containers() == []
    stack.figures["up_again_to_healthy_s"] = round(stack.up(), 1)

    assert stack.crm_rows("SELECT list_id, contact_person_id, sync_state FROM recipient_list_member ORDER BY 1, 2") == members
    assert stack.crm_rows("SELECT id, list_id, status FROM cleverreach.sync_run ORDER BY id") == private
    api = stack.api()
    assert {d: sorted(r["dag_run_id"] for r in api.runs(d)) for d in runs} == runs
    if "editor" in STATE:  # the editor, a user of the metadata DB, is kept
        token = requests.post(f"{stack.api_url}/auth/token", json={"username": EDITOR, "password": EDITOR_PASSWORD},
                              timeout=60)
        assert token.status_code in (200, 201), token.text


# ------------------------------------------------------------------------------------------ down for good
def test_the_stack_stops_with_nothing_left(compose_stack):
    left = compose_stack.stop()
    assert not left, left
    assert podman("ps", "-a", "--filter", f"label=com.docker.compose.project={PROJECT}", "-q").stdout.strip() == ""
