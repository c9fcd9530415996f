"""Erasure rights and erasure data through Airflow's real REST API with the FAB auth manager, as each role (issue 18).

Viewers and editors neither trigger ``cleverreach_erase_contact`` nor read its runs (403), on Airflow's API as on
the page's. An admin requests an erasure through the page's API; the run it starts, read back through
``/api/v2/…``, holds the tenant and the request's reference only: no address in its conf nor in any task's
rendered fields. A stack of its own (the ``fab`` fixture of ``test_cleverreach_page_e2e``).
"""

from __future__ import annotations

import json
import time

import pytest

from e2e.test_cleverreach_page_e2e import fab  # noqa: F401

pytestmark = pytest.mark.e2e
ERASE = "cleverreach_erase_contact"


def _contact(crm_path, tenant: str) -> tuple[int, str]:
    """A contact of the tenant with an address (from the stack's demo CRM)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{crm_path}")
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id, email FROM contact_person WHERE tenant_id = :t AND email LIKE '%@%' "
                                    "ORDER BY id LIMIT 1"), {"t": tenant}).one()
        return int(row[0]), str(row[1]).strip()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def erasure_run(fab):  # noqa: F811
    """An admin's erasure of one demo contact, requested through the page's API and waited for."""
    assert fab.api("PATCH", f"/api/v2/dags/{ERASE}", json={"is_paused": False}).status_code == 200
    contact_id, email = _contact(fab.crm_path, "acme")
    resp = fab.api("POST", "/cleverreach/api/tenants/acme/erasures",
                   json={"contact_ids": [contact_id], "emails": [email.upper()]})
    assert resp.status_code == 201, resp.text
    created = resp.json()
    run = fab.wait_run(ERASE, created["dag_run_id"])
    return created, run, email


@pytest.mark.parametrize("user", ["viewer", "editor"])
def test_viewers_and_editors_neither_trigger_the_erasure_nor_read_its_runs(fab, erasure_run, user):  # noqa: F811
    created, _run, _email = erasure_run
    run_id = created["dag_run_id"]
    trigger = fab.api("POST", f"/api/v2/dags/{ERASE}/dagRuns", user=user,
                      json={"logical_date": None, "conf": {"tenant": "acme", "request": created["reference"]}})
    assert trigger.status_code == 403, trigger.text
    for path in (f"/api/v2/dags/{ERASE}/dagRuns", f"/api/v2/dags/{ERASE}/dagRuns/{run_id}",
                 f"/api/v2/dags/{ERASE}/dagRuns/{run_id}/taskInstances",
                 f"/api/v2/dags/{ERASE}/dagRuns/{run_id}/taskInstances/erase/0"):
        assert fab.api("GET", path, user=user).status_code == 403, path
    page = fab.api("POST", "/cleverreach/api/tenants/acme/erasures", user=user, json={"contact_ids": [1]})
    assert page.status_code == 403, page.text
    assert fab.api("GET", f"/cleverreach/api/tenants/acme/erasures/{created['reference']}", user=user).status_code == 403
    runs = fab.api("GET", f"/api/v2/dags/{ERASE}/dagRuns").json()["dag_runs"]
    assert [r["dag_run_id"] for r in runs] == [run_id]  # the refused trigger started nothing


def test_an_admins_erasure_leaves_no_address_in_the_runs_conf_or_rendered_fields(fab, erasure_run):  # noqa: F811
    created, run, email = erasure_run
    assert run["state"] == "success", fab.task_log(ERASE, created["dag_run_id"], "erase")
    run = fab.api("GET", f"/api/v2/dags/{ERASE}/dagRuns/{created['dag_run_id']}").json()
    assert run["conf"] == {"tenant": "acme", "request": created["reference"]}
    tis = fab.api("GET", f"/api/v2/dags/{ERASE}/dagRuns/{created['dag_run_id']}/taskInstances").json()["task_instances"]
    erase_ti = fab.api("GET", f"/api/v2/dags/{ERASE}/dagRuns/{created['dag_run_id']}/taskInstances/erase/0").json()
    assert erase_ti["rendered_fields"]["request"] == created["reference"]  # the rendered fields are there, and clean
    local = email.split("@")[0].lower()
    for shown in (run, tis, erase_ti):
        text = json.dumps(shown, ensure_ascii=False).lower()
        assert email.lower() not in text and local not in text
    deadline = time.monotonic() + 30
    while True:  # the request's status: done, counts kept, data purged
        status = fab.api("GET", f"/cleverreach/api/tenants/acme/erasures/{created['reference']}").json()
        if status["status"] == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (status["status"], status["purged"], status["counts"]["complete"]) == ("done", True, True)
    assert status["counts"]["contacts"] == 1 and email.lower() not in json.dumps(status, ensure_ascii=False).lower()
