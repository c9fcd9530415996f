"""cleverreach_erase_contact through Airflow (issue 18): the run knows a request's reference, never the person, and the
erasure runs under the leases of all the tenant's lists.

- After an erasure neither the run's conf nor the task's rendered fields (``rendered_task_instance_fields``, which
  Airflow's REST API serves as ``rendered_fields``) hold an erased address, and the request row holds none either.
- While a sync holds one list's lease, the erasure's attempt fails before it erases anything (retryable; its other
  lease released), and its retry erases once the sync has finished.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from helpers.erasure import ERASE_DAG, store_request
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.clock import utcnow
from cleverreach.crm.migrations import migrate
from cleverreach.erasure.request_store import ErasureRequestStore

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-erase-request"
ANNA, ANNA_OLD = "anna.person@example.org", "Anna.Former@example.org"


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    """Anna (contact 1) is on lists 1 and 2 (groups 1001, 1002); Ben (contact 2) on list 1."""
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [
            {"id": "1001", "name": "News", "receivers": [{"email": ANNA, "global_attributes": {"ext_id": "1"}},
                                                         {"email": "ben@example.org"}]},
            {"id": "1002", "name": "Events", "receivers": [{"email": ANNA_OLD}]},
        ]}]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [{"id": 1, "tenant_id": "acme", "email": ANNA, "first_name": "Anna"},
                              {"id": 2, "tenant_id": "acme", "email": "ben@example.org", "first_name": "Ben"}])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES "
                          "(1, 'acme', '1001', 'News', CURRENT_TIMESTAMP), (2, 'acme', '1002', 'Events', CURRENT_TIMESTAMP)"))
    add_members(crm_engine, 1, [1, 2])
    add_members(crm_engine, 2, [1])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET)
    return emulator


def emails(emulator, group: str) -> set[str]:
    return {r["email"].lower() for r in emulator.client.group_receivers(group)}


def airflow_rows(dag_id: str, run_id: str) -> tuple[dict, list[dict], dict[str, int]]:
    """The run's conf, the rendered fields of its task instances, and each task's try number, from the metadata DB."""
    from airflow.models.dagrun import DagRun
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)).one()
        rendered = [r.rendered_fields for r in session.scalars(select(RenderedTaskInstanceFields).where(
            RenderedTaskInstanceFields.dag_id == dag_id, RenderedTaskInstanceFields.run_id == run_id))]
        tries = {ti.task_id: ti.try_number for ti in session.scalars(select(TaskInstance).where(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id))}
        return dict(run.conf or {}), rendered, tries


def test_the_run_and_the_request_hold_no_address_after_the_erasure(world, crm_engine):
    reference = store_request(crm_engine, "acme", [], [ANNA.upper(), ANNA_OLD])
    stored = ErasureRequestStore(crm_engine).get(reference)
    assert stored.request.emails == tuple(sorted([ANNA.upper(), ANNA_OLD]))  # the request names them until done
    result = run_dag(ERASE_DAG, {"tenant": "acme", "request": reference})
    assert result.state == "success", result
    assert result.value("erase")["cleverreach"]["receivers_deleted"] == 2
    assert emails(world, "1001") == {"ben@example.org"} and emails(world, "1002") == set()
    conf, rendered, _ = airflow_rows(ERASE_DAG, result.run_id)
    assert conf == {"tenant": "acme", "request": reference}
    erase_fields = [r for r in rendered if "request" in r]
    assert erase_fields and erase_fields[0]["request"] == reference  # the rendered fields exist and name the reference
    seen = json.dumps([conf, rendered, result.returns]).lower()
    assert "anna" not in seen and "example.org" not in seen
    done = ErasureRequestStore(crm_engine).get(reference)
    assert (str(done.status), done.request, done.purged_at is not None) == ("done", None, True)
    assert done.counts["cleverreach"]["receivers_deleted"] == 2 and done.counts["complete"] is True
    (row,) = fetch(crm_engine, "SELECT * FROM erasure_request")
    assert row["contact_ids"] is None and row["emails"] is None
    assert "anna" not in json.dumps(row, default=str).lower()
    # a done request is not run again: its data are gone
    again = run_dag(ERASE_DAG, {"tenant": "acme", "request": reference})
    assert again.state == "failed" and again.states("erase") == ["failed"]


def test_an_erasure_waits_for_a_running_sync_and_erases_nothing_until_it_has_finished(world, crm_engine, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__ERASURE_RETRIES", "1")
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__ERASURE_RETRY_DELAY_SECONDS", "2")
    with crm_engine.begin() as conn:  # a live sync of list 2 (another run, heartbeat just now)
        conn.execute(text("INSERT INTO sync_run (tenant_id, list_id, dag_id, run_id, started_at, heartbeat_at, status, "
                          "lease_holder, attempt) VALUES ('acme', 2, 'cleverreach_sync_recipients', 'manual__sync', :now, "
                          ":now, 'running', 'cleverreach_sync_recipients/manual__sync/sync_list/1', 1)"), {"now": utcnow()})
    reference = store_request(crm_engine, "acme", [1], [ANNA_OLD])
    seen: dict[str, object] = {}

    def the_sync_finishes_after_the_first_attempt() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            released = fetch(crm_engine, "SELECT list_id, status, message FROM sync_run WHERE dag_id = :d", d=ERASE_DAG)
            if released and str(ErasureRequestStore(crm_engine).get(reference).status) == "failed":
                seen.update(released=released, g1001=emails(world, "1001"), g1002=emails(world, "1002"),
                            members=len(fetch(crm_engine, "SELECT * FROM recipient_list_member")),
                            request=ErasureRequestStore(crm_engine).get(reference))
                with crm_engine.begin() as conn:
                    conn.execute(text("UPDATE sync_run SET status = 'success', finished_at = :now "
                                      "WHERE run_id = 'manual__sync'"), {"now": utcnow()})
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=the_sync_finishes_after_the_first_attempt, daemon=True)
    watcher.start()
    result = run_dag(ERASE_DAG, {"tenant": "acme", "request": reference})
    watcher.join(5)
    # the first attempt took list 1's lease, found list 2's held, released list 1's and erased nothing
    assert [(str(r["list_id"]), r["status"]) for r in seen["released"]] == [("1", "erasure")]
    assert "failed" in seen["released"][0]["message"] and reference in seen["released"][0]["message"]
    assert seen["g1001"] == {ANNA.lower(), "ben@example.org"} and seen["g1002"] == {ANNA_OLD.lower()}
    assert seen["members"] == 3
    assert str(seen["request"].status) == "failed" and seen["request"].request.contact_ids == ("1",)  # kept for the retry
    # Airflow retried the task; the retry held both leases and erased
    assert result.state == "success", result
    assert airflow_rows(ERASE_DAG, result.run_id)[2]["erase"] == 2
    assert emails(world, "1001") == {"ben@example.org"} and emails(world, "1002") == set()
    leases = fetch(crm_engine, "SELECT list_id, status FROM sync_run WHERE dag_id = :d ORDER BY id", d=ERASE_DAG)
    assert [(str(r["list_id"]), r["status"]) for r in leases] == [("1", "erasure"), ("1", "erasure"), ("2", "erasure")]
    assert not fetch(crm_engine, "SELECT * FROM sync_run WHERE status = 'running'")
    # the erasure's lease rows are no sync: a later sync of the list is still its first applied one
    from cleverreach.lists.target import ListTarget
    from cleverreach.sync.list_state import ListState

    assert ListState(crm_engine, ListTarget("acme", "1", "1001")).first_sync()
    assert str(ErasureRequestStore(crm_engine).get(reference).status) == "done"


def test_an_erasure_that_cannot_get_a_lease_fails_retryably_and_keeps_its_request(world, crm_engine, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__ERASURE_RETRIES", "1")
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__ERASURE_RETRY_DELAY_SECONDS", "1")
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_run (tenant_id, list_id, dag_id, run_id, started_at, heartbeat_at, status, "
                          "lease_holder, attempt) VALUES ('acme', 1, 'cleverreach_sync_recipients', 'manual__sync', :now, "
                          ":now, 'running', 'cleverreach_sync_recipients/manual__sync/sync_list/1', 1)"), {"now": utcnow()})
    reference = store_request(crm_engine, "acme", [1])
    result = run_dag(ERASE_DAG, {"tenant": "acme", "request": reference})
    assert result.state == "failed" and result.states("erase") == ["failed"]
    assert airflow_rows(ERASE_DAG, result.run_id)[2]["erase"] == 2  # retried, not failed at once
    assert emails(world, "1001") == {ANNA.lower(), "ben@example.org"} and emails(world, "1002") == {ANNA_OLD.lower()}
    assert len(fetch(crm_engine, "SELECT * FROM recipient_list_member")) == 3
    stored = ErasureRequestStore(crm_engine).get(reference)
    assert str(stored.status) == "failed" and stored.request.contact_ids == ("1",)
    assert [r["dag_id"] for r in fetch(crm_engine, "SELECT dag_id FROM sync_run WHERE status = 'running'")] == [
        "cleverreach_sync_recipients"]
