"""cleverreach_sync_mail_history through Airflow against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from helpers.assets import add_consumer_dags, asset_events, queued_for
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

NOW = int(time.time())
DAY = 86400
ACME, BETA = ("acme-client", "acme-secret-0001"), ("beta-client", "beta-secret-0002")
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}
N = 150  # receivers in acme's group: the "sent" report needs two pages of 100


def acme_email(i: int) -> str:
    return f"person{i}@acme.example"


def seed() -> dict:
    receivers = [{"email": acme_email(i), "global_attributes": {"ext_id": str(i)} if i % 2 == 0 else {}}
                 for i in range(1, N + 1)]
    receivers.append({"email": "stranger@web.example"})  # a form sign-up the CRM does not know
    m1_recipients = [{"email": r["email"]} for r in receivers]
    m1_recipients[0].update(opened=NOW - 9 * DAY, clicks=[{"link_id": "1", "stamp": NOW - 9 * DAY + 60},
                                                          {"link_id": "2", "stamp": NOW - 9 * DAY + 120}])
    m1_recipients[1].update(opened=NOW - 9 * DAY + 300)
    m1_recipients[2].update(bounced=NOW - 10 * DAY + 30)
    m1_recipients[3].update(unsubscribed=NOW - 8 * DAY)
    return {
        "accounts": [
            {
                "client_id": ACME[0], "client_secret": ACME[1],
                "attributes": [{"name": "ext_id", "type": "text"}],
                "groups": [{"id": "1001", "name": "Newsletter", "receivers": receivers},
                           {"id": "1002", "name": "Not imported", "receivers": [{"email": acme_email(1)}]}],
                "mailings": [
                    {"id": "501", "name": "Oktober", "subject": "Neues im Oktober", "state": "finished",
                     "started": NOW - 10 * DAY, "finished": NOW - 10 * DAY + 600, "group_ids": ["1001"],
                     "links": [{"id": "1", "url": "https://shop.example/a"}, {"id": "2", "url": "https://shop.example/b"}],
                     "recipients": m1_recipients},
                    {"id": "502", "name": "Andere Liste", "subject": "Nicht importiert", "state": "finished",
                     "started": NOW - 5 * DAY, "finished": NOW - 5 * DAY + 60, "group_ids": ["1002"]},
                    {"id": "503", "name": "Entwurf", "subject": "Noch nicht", "state": "draft", "group_ids": ["1001"]},
                ],
            },
            {
                "client_id": BETA[0], "client_secret": BETA[1],
                "attributes": [{"name": "ext_id", "type": "text"}],
                # Beta's receivers carry acme's addresses and contact ids: they must land on beta's contacts only.
                "groups": [{"id": "2001", "name": "Beta", "receivers": [
                    {"email": acme_email(2), "global_attributes": {"ext_id": "2"}},
                    {"email": "beta1@beta.example", "global_attributes": {"ext_id": "9001"}}]}],
                "mailings": [{"id": "601", "name": "Beta news", "subject": "Beta", "state": "finished",
                              "started": NOW - 3 * DAY, "finished": NOW - 3 * DAY + 60, "group_ids": ["2001"]}],
            },
        ]
    }


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    emulator.client.reset(seed())
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    add_contacts(crm_engine, [{"id": i, "tenant_id": "acme", "email": acme_email(i).upper()} for i in range(1, N + 1)])
    add_contacts(crm_engine, [{"id": 9001, "tenant_id": "beta", "email": "beta1@beta.example"}])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES "
                          "(1, 'acme', '1001', 'Newsletter', CURRENT_TIMESTAMP), (2, 'beta', '2001', 'Beta', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "SELECT 1, id, CURRENT_TIMESTAMP, 'synced' FROM contact_person WHERE tenant_id = 'acme'"))
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, *ACME, **FAST)
    set_cleverreach_connection(monkeypatch, "cleverreach_beta", emulator.url, *BETA, **FAST)
    return emulator


def history(engine, tenant="acme") -> list[dict]:
    return fetch(engine, "SELECT * FROM contact_history WHERE tenant_id = :t ORDER BY external_key", t=tenant)


def expected_acme_rows() -> int:
    # sent to N matched receivers (the stranger matches nobody), 2 opens, 2 click rows (two links),
    # 1 bounce, 1 unsubscribe
    return N + 2 + 2 + 1 + 1


def test_loads_exactly_once_per_tenant(world, crm_engine):
    result = run_dag("cleverreach_sync_mail_history")
    assert result.state == "success"
    rows = history(crm_engine)
    assert len(rows) == expected_acme_rows()
    assert len({r["external_key"] for r in rows}) == len(rows)
    by_kind = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    assert {k: len(v) for k, v in by_kind.items()} == {"mail_sent": N, "mail_opened": 2, "mail_clicked": 2,
                                                        "mail_bounced": 1, "unsubscribed": 1}
    clicks = sorted(r["detail"] for r in by_kind["mail_clicked"])
    assert clicks == ["Oktober (mailing 501): https://shop.example/a", "Oktober (mailing 501): https://shop.example/b"]
    assert {r["contact_person_id"] for r in by_kind["mail_clicked"]} == {1}  # matched by e-mail (odd id, no ext_id)
    assert {r["subject"] for r in rows} == {"Neues im Oktober"}
    assert all(r["source"] == "cleverreach" for r in rows)
    assert {r["external_key"] for r in by_kind["mail_clicked"]} == {"501/c1/mail_clicked/1", "501/c1/mail_clicked/2"}
    (acme,) = [r for r in result.returns["load_history"] if r["tenant_id"] == "acme"]
    assert (acme["mailings_seen"], acme["mailings_loaded"], acme["unmatched"]) == (2, 1, 1)
    # beta: only beta's own contact; acme's contact 2 gets nothing from beta's mailing
    beta = history(crm_engine, "beta")
    assert [(r["contact_person_id"], r["kind"]) for r in beta] == [(9001, "mail_sent")]
    assert not [r for r in rows if r["detail"].startswith("Beta")]
    # consent from the reports reaches the members
    states = {r["contact_person_id"]: r["sync_state"] for r in fetch(crm_engine, "SELECT * FROM recipient_list_member")}
    assert states[3] == "bounced" and states[4] == "unsubscribed" and states[1] == "synced"
    watermark = fetch(crm_engine, "SELECT * FROM mail_history_watermark WHERE list_id = '1'")[0]["finished_until"]
    assert watermark == NOW - 5 * DAY + 60  # the newest finished mailing seen, imported or not

    # a rerun, and a backfill whose window overlaps everything, add nothing
    again = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    assert again.returns["load_history"][0]["rows_inserted"] == 0
    # within its re-read days; its first read left a receiver that matched no contact, so it is read in full
    assert (again.returns["load_history"][0]["mailings_loaded"], again.returns["load_history"][0]["mailings_reread"]) == (1, 0)
    backfill = run_dag("cleverreach_sync_mail_history", {"tenant": "acme", "since": "2020-01-01"})
    assert backfill.returns["load_history"][0]["rows_inserted"] == 0
    assert len(history(crm_engine)) == expected_acme_rows()
    assert fetch(crm_engine, "SELECT finished_until FROM mail_history_watermark WHERE list_id = '1'")[0]["finished_until"] == watermark

    # a new mailing after the watermark is picked up by the next daily run
    world.client.send_mailing(ACME[0], ["1001"], name="November", subject="Neues im November",
                              opens=[acme_email(10)])
    later = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    assert later.returns["load_history"][0]["rows_inserted"] == N - 2 + 1  # two receivers are inactive now; one open


def test_a_failing_report_is_reported_skipped_and_retried_while_the_watermark_waits(world, crm_engine):
    world.client.send_mailing(ACME[0], ["1001"], name="Dezember", subject="Neues im Dezember",
                              finished=NOW - 2 * DAY, opens=[acme_email(10)])
    # mailing 501's report fails for good; the newer mailing still loads
    world.client.set_faults(next=[{"status": 503, "count": 1000, "path_regex": "/reports/501/"}])
    first = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    assert first.state == "success"
    (acme,) = first.returns["load_history"]
    assert acme["failed"] == [{"mailing_id": "501", "error": "CleverReachServerError", "failures": 1}]
    assert acme["mailings_loaded"] == 1 and acme["rows_inserted"] == N - 2 + 1  # two receivers are inactive; one open
    assert not [r for r in history(crm_engine) if "(mailing 501)" in r["detail"]]
    watermark = fetch(crm_engine, "SELECT finished_until FROM mail_history_watermark WHERE list_id = '1'")
    assert watermark[0]["finished_until"] == NOW - 10 * DAY + 600 - 1  # waits just before 501

    world.client.clear_faults()
    world.client.set_faults(error_rate=0.1, rate_limit_rate=0.1, retry_after=0, seed=3)
    world.client.revoke_tokens(ACME[0])
    ok = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    world.client.clear_faults()
    assert ok.state == "success" and ok.returns["load_history"][0]["failed"] == []
    assert len(history(crm_engine)) == expected_acme_rows() + N - 2 + 1
    assert fetch(crm_engine, "SELECT finished_until FROM mail_history_watermark WHERE list_id = '1'")[0][
        "finished_until"] == NOW - 2 * DAY  # the newest finish seen, now that nothing failed


def test_a_list_imported_after_the_first_load_gets_its_earlier_mailings(world, crm_engine):
    with crm_engine.begin() as conn:  # acme has not imported group 1001 yet
        conn.execute(text("DELETE FROM recipient_list_member WHERE list_id = 1"))
        conn.execute(text("DELETE FROM recipient_list WHERE id = 1"))
    first = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    assert first.state == "success" and history(crm_engine) == []
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (3, 'acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))
    run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    assert len(history(crm_engine)) == expected_acme_rows()


def test_a_load_that_inserted_rows_emits_its_tenants_asset_event_and_queues_the_consumers(world, crm_engine, tmp_path):
    add_consumer_dags(tmp_path, {"customer_on_acme_history": "[Asset('cleverreach://tenants/acme/contact_history')]",
                                 "customer_on_beta_history": "[Asset('cleverreach://tenants/beta/contact_history')]",
                                 "customer_on_any_history": "[AssetAlias('cleverreach_contact_history')]"})
    result = run_dag("cleverreach_sync_mail_history")
    assert result.state == "success"
    events = asset_events(result.run_id)
    by_uri = {e["uri"]: e for e in events}
    assert len(events) == 2 and set(by_uri) == {"cleverreach://tenants/acme/contact_history",
                                                "cleverreach://tenants/beta/contact_history"}
    acme = by_uri["cleverreach://tenants/acme/contact_history"]
    assert acme["aliases"] == ["cleverreach_contact_history"] and acme["task_id"] == "load_history"
    assert acme["extra"]["tenant_id"] == "acme" and acme["extra"]["rows_inserted"] == expected_acme_rows()
    assert (acme["extra"]["mailings_loaded"], acme["extra"]["unmatched"]) == (1, 1)
    assert by_uri["cleverreach://tenants/beta/contact_history"]["extra"]["rows_inserted"] == 1
    assert "@" not in json.dumps(events)  # counts and ids, no address
    assert queued_for("customer_on_acme_history") == ["cleverreach://tenants/acme/contact_history"]
    assert queued_for("customer_on_beta_history") == ["cleverreach://tenants/beta/contact_history"]
    assert queued_for("customer_on_any_history") == sorted(by_uri)

    # a rerun inserts nothing: no event
    again = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})
    assert again.state == "success" and again.returns["load_history"][0]["rows_inserted"] == 0
    assert asset_events(again.run_id) == []
