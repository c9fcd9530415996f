"""Deny-by-default tenant scope through Airflow's real REST API with the FAB auth manager (issue 18).

Its own stack (``fab_stack`` of the page module) with ``AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT=none``: the
editor ``editor`` holds no tenant grant, ``ed_acme`` holds ``acme`` and the admin both tenants (granted before
the start, so that the lists can be imported). The ungranted editor's trigger of ``cleverreach_sync_recipients``
is accepted by Airflow (the editor role may create runs) and fails its first task with the refusal, without a
single write to CleverReach; ``ed_acme`` syncs ``acme``; the page lists no tenant for the ungranted editor.
"""

from __future__ import annotations

import pytest
from cleverreach_emulator.client import EmulatorClient

from e2e.test_cleverreach_page_e2e import META_DB, Fab, fab_stack

pytestmark = pytest.mark.e2e
SYNC = "cleverreach_sync_recipients"


@pytest.fixture(scope="module")
def fab(tmp_path_factory):
    with fab_stack(tmp_path_factory.mktemp("e2e-rights-scope"), extra_env={"AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT": "none"},
                   meta_db=f"{META_DB}_scope", logs_name="rights-scope-logs",
                   grants=(("ed_acme", "acme"), ("admin", "acme"), ("admin", "nordlicht")),
                   import_tenants=("acme", "nordlicht")) as stack:
        yield stack


def writes(fab: Fab) -> list[str]:
    with EmulatorClient(str(fab.emulator_url)) as client:
        return [f"{e['method']} {e['path']}" for e in client.requests()
                if e["method"] in ("POST", "PUT", "PATCH", "DELETE") and e["path"].startswith("/v3")]


def trigger(fab: Fab, user: str, conf: dict) -> dict:
    resp = fab.api("POST", f"/api/v2/dags/{SYNC}/dagRuns", user=user, json={"logical_date": None, "conf": conf})
    assert resp.status_code == 200, resp.text  # Airflow lets the editor role create runs: the task decides
    return fab.wait_run(SYNC, resp.json()["dag_run_id"])


def test_an_editor_without_grants_triggers_the_sync_and_the_run_fails_with_the_refusal_writing_nothing(fab):
    before = writes(fab)
    for conf in ({"tenant": "acme"}, {}):  # a named tenant, and "every tenant"
        run = trigger(fab, "editor", conf)
        assert run["state"] == "failed", run
        log = fab.task_log(SYNC, run["dag_run_id"], "resolve_lists")
        assert "Refused: user 'editor' has no tenant grant" in log and "tenant_scope_default is 'none'" in log, log[-2000:]
    assert writes(fab) == before


def test_the_editor_granted_acme_syncs_acme(fab):
    run = trigger(fab, "ed_acme", {"tenant": "acme"})
    assert run["state"] == "success", fab.task_log(SYNC, run["dag_run_id"], "resolve_lists")[-2000:]
    refused = trigger(fab, "ed_acme", {"tenant": "nordlicht"})
    assert refused["state"] == "failed"
    assert "may not act on tenant 'nordlicht'" in fab.task_log(SYNC, refused["dag_run_id"], "resolve_lists")


def test_the_page_lists_no_tenant_for_the_ungranted_editor(fab):
    assert fab.api("GET", "/cleverreach/api/tenants", user="editor").json() == []
    assert fab.api("GET", "/cleverreach/api/me", user="editor").json()["tenants"] == []
    resp = fab.api("GET", "/cleverreach/api/tenants/acme/lists", user="editor")
    assert resp.status_code == 403 and "no tenant grant" in resp.json()["detail"]
    assert [t["id"] for t in fab.api("GET", "/cleverreach/api/tenants", user="ed_acme").json()] == ["acme"]
    assert sorted(t["id"] for t in fab.api("GET", "/cleverreach/api/tenants", user="admin").json()) == ["acme", "nordlicht"]
