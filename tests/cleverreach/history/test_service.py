"""The mail-history load against the emulator (real HTTP) and a real CRM: what a re-read costs and saves,
and how a failing mailing leaves the rest of the tenant's history alone."""

from __future__ import annotations

import time

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import CleverReachAuthError
from cleverreach.history.service import MailHistoryLoad
from cleverreach.history.store import HistoryStore
from cleverreach.hooks.cleverreach import CleverReachHook

NOW = int(time.time())
DAY = 86400
PEOPLE = 120  # two report pages of 100 for "sent"
CLIENT, SECRET = "svc-client", "svc-secret-0001"


def email(i: int) -> str:
    return f"reader{i}@svc.example"


@pytest.fixture
def load(emulator, crm_engine, monkeypatch):
    recipients = [{"email": email(i)} for i in range(1, PEOPLE + 1)]
    recipients[0].update(opened=NOW - 3 * DAY, clicks=[{"link_id": "1", "stamp": NOW - 3 * DAY}])
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": "1001", "name": "N", "receivers": [{"email": email(i)} for i in range(1, PEOPLE + 1)]}],
        "mailings": [
            {"id": "501", "name": "A", "subject": "A", "state": "finished", "finished": NOW - 4 * DAY,
             "group_ids": ["1001"], "recipients": recipients, "links": [{"id": "1", "url": "https://a.example"}]},
            {"id": "502", "name": "B", "subject": "B", "state": "finished", "finished": NOW - 3 * DAY,
             "group_ids": ["1001"]},
        ]}]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "svc", "name": "Svc"})
    add_contacts(crm_engine, [{"id": i, "tenant_id": "svc", "email": email(i)} for i in range(1, PEOPLE + 1)])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'svc', '1001', 'N', CURRENT_TIMESTAMP)"))
    add_members(crm_engine, 1, range(1, PEOPLE + 1), "synced")
    set_cleverreach_connection(monkeypatch, "cleverreach_svc", emulator.url, CLIENT, SECRET,
                               retry_initial_wait=0.01, retry_max_wait=1, retry_attempts=2)

    def run(**kwargs):
        hook = CleverReachHook("cleverreach_svc")
        return MailHistoryLoad(hook, HistoryStore(crm_engine), tenant_id="svc").run(**kwargs)

    return run


def report_calls(emulator) -> list[str]:
    return [r["path"] for r in emulator.client.requests() if "/reports/" in r["path"]]


def test_a_reread_reads_only_the_changing_states_from_the_last_read_on(load, emulator, crm_engine):
    emulator.client.clear_requests()
    first = load()
    full = report_calls(emulator)
    assert first["mailings_loaded"] == 2 and first["rows_inserted"] == 2 * PEOPLE + 2
    emulator.client.unsubscribe(CLIENT, email(7), group_id="1001", mailing_id="502")

    emulator.client.clear_requests()
    second = load()
    reread = report_calls(emulator)
    assert (second["mailings_loaded"], second["mailings_reread"]) == (0, 2)
    assert not [p for p in reread if p.endswith("/receivers/sent")]  # sent is read once
    assert second["rows_inserted"] == 1  # the new unsubscribe, read through the event window
    states = fetch(crm_engine, "SELECT contact_person_id, sync_state FROM recipient_list_member WHERE sync_state <> 'synced'")
    assert states == [{"contact_person_id": 7, "sync_state": "unsubscribed"}]
    saved = len(full) - len(reread)
    print(f"report calls: full read {len(full)}, re-read {len(reread)}, saved {saved}")  # noqa: T201 - the figure
    assert saved >= 2 * 2  # per mailing at least the two pages of "sent" (120 receivers, 100 a page)
    assert second["receivers_read"] < first["receivers_read"] / 10  # the event window: only what changed


REPORT_PAGE_VARIANTS = {  # the emulator's readings of a report pagesize above what it serves
    "clamps silently at 100": {},
    "clamps at 25": {"report_page_clamp": 25},
    "refuses above 100": {"report_pagesize_policy": "reject"},
    "refuses above 100, clamps at 25": {"report_pagesize_policy": "reject", "report_page_clamp": 25},
    "honours 5000": {"report_max_pagesize": 5000},
}


@pytest.mark.parametrize("variant", REPORT_PAGE_VARIANTS)
def test_every_report_page_variant_loads_each_row_once(load, emulator, crm_engine, variant):
    emulator.client.update_settings(**REPORT_PAGE_VARIANTS[variant])
    emulator.client.clear_requests()
    first = load()
    expected = ({f"{m}/c{i}/mail_sent" for m in ("501", "502") for i in range(1, PEOPLE + 1)}
                | {"501/c1/mail_opened", "501/c1/mail_clicked/1"})
    keys = [r["external_key"] for r in fetch(crm_engine, "SELECT external_key FROM contact_history")]
    assert sorted(keys) == sorted(expected)
    assert first["rows_inserted"] == first["receivers_read"] == len(expected)  # no report row read twice
    sizes = [int(r["query"].split("pagesize=")[1].split("&")[0]) for r in emulator.client.requests()
             if "/receivers/" in r["path"]]
    above = [size for size in sizes if size > PEOPLE]
    if REPORT_PAGE_VARIANTS[variant].get("report_pagesize_policy") == "reject":
        assert above == [5000, 2500, 1000, 500, 250]  # refused once in the run, then 100 for every read
    else:
        assert set(above) == {5000} and len(above) >= 7  # every read (2 + 2 + 2 + 1 link) starts at 5000


def test_one_failing_mailing_is_skipped_reported_and_retried(load, emulator, crm_engine):
    emulator.client.set_faults(next=[{"status": 500, "count": 1000, "path_regex": "/reports/501/"}])
    first = load()
    assert first["failed"] == [{"mailing_id": "501", "error": "CleverReachServerError", "failures": 1}]
    assert first["mailings_loaded"] == 1  # 502 loads all the same
    second = load()
    assert second["failed"][0]["failures"] == 2  # counted per run, in a row
    marks = fetch(crm_engine, "SELECT finished_until FROM mail_history_watermark")
    assert marks and all(m["finished_until"] == NOW - 4 * DAY - 1 for m in marks)  # waits before 501
    emulator.client.clear_faults()
    third = load()
    assert third["failed"] == [] and third["mailings_loaded"] == 1
    assert fetch(crm_engine, "SELECT finished_until FROM mail_history_watermark")[0]["finished_until"] == NOW - 3 * DAY
    keys = {r["external_key"] for r in fetch(crm_engine, "SELECT external_key FROM contact_history")}
    assert "501/c1/mail_clicked/1" in keys and len(keys) == 2 * PEOPLE + 2


def test_a_refused_login_fails_the_tenant_not_one_mailing(load, emulator):
    emulator.client.set_faults(next=[{"status": 401, "count": 1000, "path_regex": "/reports/"}])
    with pytest.raises(CleverReachAuthError):
        load()


def test_the_collector_is_paused_for_a_mailing_and_restored_after_an_error():
    import gc

    from cleverreach.history.service import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failed read")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before, off after: only what it turned off is turned on
    finally:
        gc.enable()
