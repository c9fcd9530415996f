"""The mass-removal approval as a right through Airflow's real REST API, per role, with the FAB auth manager
(issue 18). A stack of its own (the ``fab`` fixture of ``test_cleverreach_page_e2e``): acme's list
*Kundeninformation* gets every acme contact as a member and is synced, then the CRM empties it, so its plan
removes every receiver the sync owns, far more than the guard allows.

Before the fix an editor (``can_create`` on the DAG's runs) triggered the sync with
``conf.allow_mass_removal: true`` and the task removed them all; the trigger form even showed the checkbox.
"""

from __future__ import annotations

from typing import Any

import pytest

from e2e.test_cleverreach_page_e2e import Fab, crm_transaction, fab  # noqa: F401

pytestmark = pytest.mark.e2e
DAG = "cleverreach_sync_recipients"
LIST_NAME = "Kundeninformation"  # an empty group in the demo seed: every receiver in it is the sync's


def _rows(fab: Fab, sql: str, **params: Any) -> list[dict[str, Any]]:
    from sqlalchemy import text

    with crm_transaction(fab.crm_path) as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def _emulator(fab: Fab):
    from cleverreach_emulator.client import EmulatorClient

    log = fab.services.get("emulator").log_path.read_text(errors="replace")
    return EmulatorClient(next(line.strip() for line in log.splitlines() if line.startswith("http://")))


def _active(fab: Fab, group_id: str) -> set[str]:
    with _emulator(fab) as emulator:
        return {r["email"] for r in emulator.group_receivers(group_id) if r.get("active", True)}


def _trigger(fab: Fab, user: str, conf: dict[str, Any]):
    return fab.api("POST", f"/api/v2/dags/{DAG}/dagRuns", user=user, json={"logical_date": None, "conf": conf})


def _latest_sync_run(fab: Fab, list_id: Any) -> dict[str, Any]:
    return _rows(fab, "SELECT * FROM sync_run WHERE list_id = :l ORDER BY id DESC LIMIT 1", l=str(list_id))[0]


@pytest.fixture(scope="module")
def emptied(fab) -> dict[str, Any]:
    """The list synced with every acme contact, then emptied in the CRM; a plain sync of it is blocked."""
    from sqlalchemy import text

    target = next(row for row in fab.api("GET", "/cleverreach/api/tenants/acme/lists").json() if row["name"] == LIST_NAME)
    list_id, group = target["id"], str(target["external_id"])
    with crm_transaction(fab.crm_path) as conn:
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "SELECT :l, id, CURRENT_TIMESTAMP, 'pending' FROM contact_person WHERE tenant_id = 'acme'"),
                     {"l": list_id})
    run_id = _trigger(fab, "admin", {"tenant": "acme", "list_id": list_id}).json()["dag_run_id"]
    assert fab.wait_run(DAG, run_id)["state"] == "success", fab.task_log(DAG, run_id, "sync_list")
    synced = _active(fab, group)
    assert len(synced) > 20, synced  # far more than the guard's max(10, 20 %) once they are all removed
    with crm_transaction(fab.crm_path) as conn:
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = :l"), {"l": list_id})
    run_id = _trigger(fab, "admin", {"tenant": "acme", "list_id": list_id}).json()["dag_run_id"]
    assert fab.wait_run(DAG, run_id)["state"] == "failed"
    assert _latest_sync_run(fab, list_id)["status"] == "blocked"
    return {"list_id": list_id, "group": group, "synced": synced}


def test_an_editor_triggering_with_allow_mass_removal_through_the_rest_api_removes_nothing(fab, emptied):
    """The attack: as ``editor``, ``POST /api/v2/dags/cleverreach_sync_recipients/dagRuns`` with
    ``allow_mass_removal: true``. Airflow accepts the trigger (editors may run syncs), the sync blocks the plan."""
    list_id = emptied["list_id"]
    resp = _trigger(fab, "editor", {"tenant": "acme", "list_id": list_id, "allow_mass_removal": True})
    assert resp.status_code == 200, resp.text
    run = fab.wait_run(DAG, resp.json()["dag_run_id"])
    assert run["state"] == "failed" and run["triggering_user_name"] == "editor"
    blocked = _latest_sync_run(fab, list_id)
    assert (blocked["status"], blocked["run_id"]) == ("blocked", run["dag_run_id"])
    assert "No approval is bound to this run" in blocked["message"]
    assert _active(fab, emptied["group"]) == emptied["synced"]  # every receiver still in the group
    assert "allow_mass_removal" not in fab.api("GET", f"/api/v2/dags/{DAG}/details").json()["params"]  # no checkbox


def test_an_editor_cannot_approve_the_blocked_plan_on_the_page(fab, emptied):
    blocked = _latest_sync_run(fab, emptied["list_id"])
    resp = fab.api("POST", f"/cleverreach/api/tenants/acme/lists/{emptied['list_id']}/sync/approve", user="editor",
                   json={"sync_run_id": blocked["id"]})
    assert resp.status_code == 403, resp.text
    assert _rows(fab, "SELECT id FROM sync_approval") == []


def test_a_viewer_cannot_trigger_the_sync_through_the_rest_api(fab, emptied):
    resp = _trigger(fab, "viewer", {"tenant": "acme", "list_id": emptied["list_id"], "allow_mass_removal": True})
    assert resp.status_code == 403, resp.text
    assert _active(fab, emptied["group"]) == emptied["synced"]


def test_an_admins_approval_on_the_page_applies_the_blocked_removal_once(fab, emptied):
    list_id = emptied["list_id"]
    blocked = _latest_sync_run(fab, list_id)
    assert blocked["status"] == "blocked" and blocked["removed"] == len(emptied["synced"])
    resp = fab.api("POST", f"/cleverreach/api/tenants/acme/lists/{list_id}/sync/approve", user="admin",
                   json={"sync_run_id": blocked["id"]})
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["dag_run_id"]
    run = fab.wait_run(DAG, run_id)
    assert run["state"] == "success", fab.task_log(DAG, run_id, "sync_list")
    assert run["triggering_user_name"] == "admin" and "allow_mass_removal" not in run["conf"]
    assert _active(fab, emptied["group"]) == set()
    applied = _latest_sync_run(fab, list_id)
    assert (applied["status"], applied["run_id"], applied["removed"]) == ("success", run_id, len(emptied["synced"]))
    (approval,) = _rows(fab, "SELECT * FROM sync_approval")
    assert (approval["dag_run_id"], approval["blocked_sync_run_id"], approval["used_by_sync_run"],
            approval["approved_by"]) == (run_id, blocked["id"], applied["id"], "user:admin")
