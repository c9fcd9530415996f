"""The mail history under every reading of what the API leaves unknown: the exact same rows land.

One CleverReach emulator per variant (``VARIANTS``' values one at a time from the defaults, a report
``pagesize`` above the maximum refused with a 400 or honoured up to 5000, plus one with all of them at
their riskiest), one tenant per emulator, all loaded by one run of
``cleverreach_sync_mail_history`` through Airflow, on SQLite and PostgreSQL. Each account holds: a
mailing created long before it was sent (only a window reaching back ``history_lookback_days`` finds it
when the server filters on the creation time), more mailings than one answer holds, a report with more
receivers than a clamped page, clicks on two links, an unsubscribe in one of two groups, and a mailing
finished before the window that must not be loaded. A second run adds nothing.
"""

from __future__ import annotations

import re
import time

import pytest
from cleverreach_emulator import EmulatorServer
from cleverreach_emulator.settings import VARIANTS
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate

pytestmark = pytest.mark.usefixtures("airflow_db")

NOW = int(time.time())
DAY = 86400
PEOPLE = 40  # receivers of group 1001: more than a clamped report page (25)
BOTH = range(1, 6)  # also in group 1002
NOISE = 110  # mailings to a group no tenant imported: more than a clamped answer (100) holds
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}
RISKIEST = {"report_page_clamp": 25, "report_pagesize_policy": "reject", "mailings_window_on": "stamp",
            "mailings_limit_clamp": 100, "clicks_without_linkid": "none"}
# the report receivers' pagesize above report_max_pagesize (100): refused (the default clamps it), or honoured
REPORT_PAGESIZE = ({"report_pagesize_policy": "reject"}, {"report_max_pagesize": 5000})
HISTORY_VARIANTS = ("report_page_clamp", "mailings_window_on", "mailings_limit_clamp", "clicks_without_linkid")
CASES: list[dict] = [
    {},
    *({name: value} for name in HISTORY_VARIANTS for value in VARIANTS[name][1:]),
    *REPORT_PAGESIZE,
    RISKIEST,
]


def email(i: int) -> str:
    return f"person{i}@variant.example"


def seed(number: int) -> dict:
    """The same account for every variant; ext_ids carry the tenant's contact ids (``number`` * 1000 + i)."""
    people = [{"email": email(i), "global_attributes": {"ext_id": str(number * 1000 + i)} if i % 2 else {}}
              for i in range(1, PEOPLE + 1)]
    recipients = [{"email": email(i)} for i in range(1, PEOPLE + 1)]
    recipients[0].update(opened=NOW - 9 * DAY, clicks=[{"link_id": "1", "stamp": NOW - 9 * DAY + 60},
                                                       {"link_id": "2", "stamp": NOW - 9 * DAY + 120},
                                                       {"link_id": "1", "stamp": NOW - 8 * DAY}])
    recipients[1].update(opened=NOW - 9 * DAY + 30, clicks=[{"link_id": "2", "stamp": NOW - 9 * DAY + 90}])
    recipients[2].update(unsubscribed=NOW - 8 * DAY)  # in groups 1001 and 1002: only list 1001 is marked
    recipients[30].update(bounced=NOW - 10 * DAY + 30)
    noise = [{"id": str(700 + n), "name": f"Other {n}", "state": "finished", "group_ids": ["1003"],
              "stamp": NOW - 12 * DAY + n * 600, "finished": NOW - 12 * DAY + n * 600 + 60} for n in range(NOISE)]
    return {"accounts": [{
        "client_id": f"variant{number}", "client_secret": f"variant-secret-{number:04d}",
        "account_id": str(200000 + number),  # one account per tenant (tenants never share one)
        "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": "1001", "name": "Newsletter", "receivers": people},
                   {"id": "1002", "name": "Kunden", "receivers": [{"email": email(i)} for i in BOTH]},
                   {"id": "1003", "name": "Not imported", "receivers": [{"email": "other@variant.example"}]}],
        "mailings": [
            # drafted 200 days before it was sent, and the oldest of the window's mailings
            {"id": "501", "name": "Oktober", "subject": "Neues im Oktober", "state": "finished",
             "stamp": NOW - 210 * DAY, "started": NOW - 13 * DAY, "finished": NOW - 13 * DAY + 600,
             "group_ids": ["1001", "1002"], "recipients": recipients,
             "links": [{"id": "1", "url": "https://shop.example/a"}, {"id": "2", "url": "https://shop.example/b"}]},
            {"id": "502", "name": "November", "subject": "Neues im November", "state": "finished",
             "stamp": NOW - 2 * DAY, "finished": NOW - DAY, "group_ids": ["1002"]},
            {"id": "499", "name": "Alt", "subject": "Vor dem Fenster", "state": "finished",  # before the window
             "stamp": NOW - 61 * DAY, "finished": NOW - 60 * DAY, "group_ids": ["1001"]},
            *noise,
        ],
    }]}


@pytest.fixture(scope="module")
def emulators():
    servers = [EmulatorServer() for _ in CASES]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def tenants(emulators, crm_engine, monkeypatch):
    migrate(crm_engine)
    for number, (server, case) in enumerate(zip(emulators, CASES, strict=True), start=1):
        server.client.reset(seed(number))
        server.client.update_settings(**case)
        tenant = f"variant{number}"
        add_tenants(crm_engine, {"id": tenant, "name": tenant})
        add_contacts(crm_engine, [{"id": number * 1000 + i, "tenant_id": tenant, "email": email(i)}
                                  for i in range(1, PEOPLE + 1)])
        with crm_engine.begin() as conn:
            conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) VALUES "
                              "(:a, :t, '1001', 'Newsletter', CURRENT_TIMESTAMP), "
                              "(:b, :t, '1002', 'Kunden', CURRENT_TIMESTAMP)"),
                         {"a": number * 10 + 1, "b": number * 10 + 2, "t": tenant})
            conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                              "SELECT :l, id, CURRENT_TIMESTAMP, 'synced' FROM contact_person WHERE tenant_id = :t AND id <= :last"),
                         [{"l": number * 10 + 1, "t": tenant, "last": number * 1000 + PEOPLE},
                          {"l": number * 10 + 2, "t": tenant, "last": number * 1000 + max(BOTH)}])
            # loaded before: the window starts 20 + 14 days back, after mailing 501 was created
            conn.execute(text("INSERT INTO mail_history_watermark (list_id, finished_until, updated_at) "
                              "VALUES (:l, :f, CURRENT_TIMESTAMP)"),
                         [{"l": number * 10 + k, "f": NOW - 20 * DAY} for k in (1, 2)])
        set_cleverreach_connection(monkeypatch, f"cleverreach_{tenant}", server.url, f"variant{number}",
                                   f"variant-secret-{number:04d}", **FAST)
    return [f"variant{number}" for number in range(1, len(CASES) + 1)]


def rows_of(engine, tenant: str, offset: int) -> list[tuple]:
    """The tenant's history with its contact ids made comparable across tenants."""
    rows = fetch(engine, "SELECT contact_person_id, occurred_at, kind, subject, detail, source, external_key "
                         "FROM contact_history WHERE tenant_id = :t ORDER BY external_key", t=tenant)
    return sorted(
        (r["contact_person_id"] - offset, str(r["occurred_at"])[:19], r["kind"], r["subject"], r["detail"], r["source"],
         re.sub(r"/c(\d+)/", lambda m: f"/c{int(m.group(1)) - offset}/", r["external_key"]))
        for r in rows
    )


def test_every_variant_lands_the_same_rows(tenants, crm_engine):
    first = run_dag("cleverreach_sync_mail_history")
    assert first.state == "success", first.task_states
    results = {r["tenant_id"]: r for r in first.returns["load_history"]}
    histories = {tenant: rows_of(crm_engine, tenant, number * 1000) for number, tenant in enumerate(tenants, start=1)}
    reference = histories["variant1"]
    for number, tenant in enumerate(tenants, start=1):
        assert histories[tenant] == reference, f"{CASES[number - 1]} differs from the defaults"
        assert results[tenant]["mailings_failed"] == 0 and results[tenant]["unmatched"] == 0, results[tenant]

    kinds: dict[str, int] = {}
    for row in reference:
        kinds[row[2]] = kinds.get(row[2], 0) + 1
    # 501 to PEOPLE (five of them in both groups: one row each), 502 to the five of group 1002; 499 not at all
    assert kinds == {"mail_sent": PEOPLE + len(BOTH), "mail_opened": 2, "mail_clicked": 3, "mail_bounced": 1,
                     "unsubscribed": 1}
    clicks = sorted((row[0], row[4]) for row in reference if row[2] == "mail_clicked")
    assert clicks == [(1, "Oktober (mailing 501): https://shop.example/a"),
                      (1, "Oktober (mailing 501): https://shop.example/b"),
                      (2, "Oktober (mailing 501): https://shop.example/b")]
    assert not [row for row in reference if "(mailing 499)" in (row[4] or "")]
    # the unsubscribe of person 3 marks list 1001 only, in every variant
    members = fetch(crm_engine, "SELECT list_id, contact_person_id, sync_state FROM recipient_list_member "
                                "WHERE sync_state <> 'synced' ORDER BY list_id, contact_person_id")
    assert members == [
        row for number in range(1, len(tenants) + 1)
        for row in ({"list_id": number * 10 + 1, "contact_person_id": number * 1000 + 3, "sync_state": "unsubscribed"},
                    {"list_id": number * 10 + 1, "contact_person_id": number * 1000 + 31, "sync_state": "bounced"})
    ]

    again = run_dag("cleverreach_sync_mail_history")
    assert again.state == "success"
    assert [r["rows_inserted"] for r in again.returns["load_history"]] == [0] * len(tenants)
    assert all(r["mailings_reread"] == 2 and r["mailings_loaded"] == 0 for r in again.returns["load_history"])
    assert {tenant: rows_of(crm_engine, tenant, number * 1000)
            for number, tenant in enumerate(tenants, start=1)} == histories
