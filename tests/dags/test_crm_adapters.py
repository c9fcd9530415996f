"""The CRM adapter proven by differently shaped CRMs: the same test bodies run through Airflow against the
demo CRM with the shipped adapter (``include/sql``), the German-shaped CRM (``tests/adapters/german_crm``) and
the commercial-shaped CRM (``tests/adapters/commercial_crm``: UUID contacts, tenants "1001" and "0042", bigint
lists and group ids, naive local times), each on SQLite and (with TEST_POSTGRES_URL) PostgreSQL.

Only ``[cleverreach] crm_adapter_dir`` differs between them; the CRM is seeded and read back through
``helpers.crm_shapes``, in the CRM's own words (a German member state reads ``synchronisiert``) and keys
(the test's contact 1 is a UUID in the commercial CRM: ``shape.contact_key(1)``).
"""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest
from sqlalchemy import bindparam
from helpers.connections import set_cleverreach_connection
from helpers.crm_shapes import SHAPES, Address, Contact, CrmShape
from scripts.airflow_runner import run_dag

from cleverreach.clock import as_utc, from_unix, utcnow
from cleverreach.crm.keys import adapter_keys, as_key
from cleverreach.crm.sql import ADAPTER_DIR_CONF_ENV, query
from cleverreach.crm_check.manifest import STATEMENTS
from cleverreach.enums import HistoryKind, MemberState
from cleverreach.sync.withdrawn import NO_MARKETING_REASON
from cleverreach.ui.keyset import MemberSort
from cleverreach.ui.read_store import PagePosition, UiReadStore

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-adapter9"
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}
NOW = int(time.time())
DAY = 86400
SYNCED, PENDING, REJECTED = MemberState.SYNCED, MemberState.PENDING, MemberState.REJECTED
NEWSLETTER, CUSTOMERS = "2001", "2002"  # CleverReach group ids (not the commercial CRM's tenant ids)


def addresses(shape: CrmShape) -> tuple[Address, ...]:
    acme, beta = shape.tenant_key("acme"), shape.tenant_key("beta")
    return (
        Address(10, acme, "Apotheke am Markt", matchcode="APO", city="Köln", category="Kunde", tags=("Newsletter",),
                sales_processes=("Neukunde",)),
        Address(11, acme, "Ärztehaus Süd", city="Bonn", category="Kunde"),
        Address(12, acme, "Zeta GmbH", city="Köln", category="Lieferant", tags=("Newsletter",)),
        Address(90, beta, "Beta Kunde", category="Kunde"),
    )


def contacts(shape: CrmShape) -> tuple[Contact, ...]:
    acme, beta, key = shape.tenant_key("acme"), shape.tenant_key("beta"), shape.contact_key
    return (
        Contact(key(1), acme, 10, "Frau", "Anna", "Sommer", "Inhaberin", "anna@example.org",
                ("anna.privat@example.org",)),
        Contact(key(2), acme, 10, "Herr", "Ben", "Berg", email="ben@example.org"),
        Contact(key(3), acme, 11, "Herr", "Carl", "Cramer", other_emails=("carl.privat@example.org",)),  # no primary
        Contact(key(4), acme, 11, "Frau", "Dora", "Dach", email="not-an-address"),
        Contact(key(5), acme, 12, "Herr", "Emil", "Eck", email="emil@example.org"),
        Contact(key(6), acme, 10, "Frau", "Frida", "Fink", email="frida@example.org"),
        Contact(key(90), beta, 90, first_name="Bea", email="bea@example.org"),
    )


def keys(shape: CrmShape, *numbers: int) -> set[str]:
    """The CRM's keys of the test's contacts, as the integration's text."""
    return {shape.contact_key(n) for n in numbers}


@pytest.fixture(params=SHAPES, ids=str)
def shape(request, monkeypatch) -> CrmShape:
    """The CRM shape; its adapter folder is the one the integration reads (set before any table is made)."""
    monkeypatch.setenv(ADAPTER_DIR_CONF_ENV, str(request.param.adapter_dir))
    return request.param


@pytest.fixture
def crm_conn(shape, crm_conn):
    """conftest's CRM database, its tables made from the shape's adapter folder (``crm/``)."""
    return crm_conn


def emulator_seed(shape: CrmShape, mailing: bool = False) -> dict:
    """The newsletter group with a form sign-up, the customers group empty; with ``mailing``, the newsletter
    group also holds receivers of acme's contacts (ext_id: the CRM's contact key) and a finished mailing went
    to it."""
    receivers = [{"email": "form@example.org"}]
    if mailing:
        receivers += [
            {"email": "anna@example.org", "global_attributes": {"ext_id": shape.contact_key(1)}},
            {"email": "ben@example.org"},  # matched by e-mail
            {"email": "carl.privat@example.org"},  # Carl's secondary address: never synced, it matches nobody
            {"email": "frida@example.org", "global_attributes": {"ext_id": shape.contact_key(6)}},
        ]
    recipients = [{"email": r["email"]} for r in receivers]
    if mailing:
        recipients[1].update(opened=NOW - 9 * DAY, clicks=[{"link_id": "1", "stamp": NOW - 9 * DAY + 60}])
        recipients[2].update(bounced=NOW - 10 * DAY + 30)
        recipients[4].update(unsubscribed=NOW - 8 * DAY)
    mailings = [{"id": "501", "name": "Oktober", "subject": "Neues im Oktober", "state": "finished",
                 "started": NOW - 10 * DAY, "finished": NOW - 10 * DAY + 600, "group_ids": [NEWSLETTER],
                 "links": [{"id": "1", "url": "https://shop.example/a"}], "recipients": recipients}]
    return {"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": NEWSLETTER, "name": "Newsletter", "receivers": receivers},
                   {"id": CUSTOMERS, "name": "Kunden", "receivers": []}],
        "mailings": mailings if mailing else [],
    }]}


@pytest.fixture
def world(emulator, crm_engine, shape, monkeypatch):
    """Tenants acme and beta (active) and gamma (inactive), under the CRM's ids; acme's companies and contact
    persons; a CRM with lists of its own (letters, campaigns) has one, which is not the integration's."""
    emulator.client.reset(emulator_seed(shape))
    shape.prepare_private_state(crm_engine)
    acme = shape.tenant_key("acme")
    shape.add_tenants(crm_engine, {"id": acme, "name": "ACME GmbH"}, {"id": shape.tenant_key("beta"), "name": "Beta AG"},
                      {"id": shape.tenant_key("gamma"), "name": "Gamma (gesperrt)", "active": False})
    shape.add_addresses(crm_engine, addresses(shape))
    shape.add_contacts(crm_engine, contacts(shape))
    shape.add_own_list(crm_engine, acme, "Weihnachtskarten")
    set_cleverreach_connection(monkeypatch, f"cleverreach_{acme}", emulator.url, CLIENT, SECRET, **FAST)
    return emulator


def import_lists(engine, shape: CrmShape) -> dict[str, object]:
    """Run the import for acme; the list ids (as the CRM stores them) by group id."""
    acme = shape.tenant_key("acme")
    result = run_dag("cleverreach_import_lists", {"tenant": acme})
    assert result.state == "success", result
    return {external_id: row["id"] for external_id, row in shape.lists(engine, acme).items() if external_id}


def stored(shape: CrmShape, members: dict[str, dict], state: MemberState) -> set[str]:
    return {cid for cid, row in members.items() if row["state"] == shape.states[state]}


def remote(emulator, group: str = NEWSLETTER) -> dict[str, dict]:
    return {r["email"]: r for r in emulator.client.group_receivers(group)}


def writes(emulator) -> int:
    return emulator.client.counters()["writes"]


def test_the_check_passes_every_statement(world, crm_engine, shape):
    lists = import_lists(crm_engine, shape)
    shape.add_members(crm_engine, lists[NEWSLETTER], keys(shape, 1, 2), SYNCED)
    shape.add_members(crm_engine, lists[NEWSLETTER], keys(shape, 3), PENDING)

    result = run_dag("cleverreach_check_crm", {"tenant": None})

    assert result.state == "success", result
    report = result.value("check_adapter")
    dialect = crm_engine.dialect.name
    assert {s["name"]: s["verdict"] for s in report["statements"]} == {
        s.name: "ok" if s.runs_on(dialect) else "skipped" for s in STATEMENTS}
    assert report["ok"] is True
    assert report["tenants"] == {  # gamma is inactive
        shape.tenant_key("acme"): {
            "contacts": 6, "contacts_with_valid_email": 4, "contacts_withdrawn": 0, "lists": 2,
            "members": {"pending": 1, "synced": 2}, "history_rows": 0},
        shape.tenant_key("beta"): {
            "contacts": 1, "contacts_with_valid_email": 1, "contacts_withdrawn": 0, "lists": 0, "members": {},
            "history_rows": 0},
    }


def test_import_manage_members_and_sync(world, crm_engine, shape):
    emulator, acme, key = world, shape.tenant_key("acme"), shape.contact_key
    result = run_dag("cleverreach_import_lists", {"tenant": acme})
    assert result.state == "success", result
    summary = result.value("import_lists")
    assert {k: summary[k] for k in ("tenant_id", "groups", "created", "refreshed", "revived", "marked_deleted")} == {
        "tenant_id": acme, "groups": 2, "created": 2, "refreshed": 0, "revived": 0, "marked_deleted": 0}
    # the tenant's zone comes through the adapter (NULL in the demo CRM, the German CRM's default, the commercial
    # CRM's organisation 1001): Europe/Berlin
    assert summary["time_zone"] == "Europe/Berlin" and summary["finished_local"].endswith((" CET", " CEST"))
    lists = shape.lists(crm_engine, acme)
    assert {k: (v["name"], v["remote_member_count"]) for k, v in lists.items() if k} == {
        NEWSLETTER: ("Newsletter", 1), CUSTOMERS: ("Kunden", 0)}
    newsletter = lists[NEWSLETTER]["id"]

    # --- the members dialog: by a filter, by id, and a removal
    added = run_dag("cleverreach_manage_members",
                    {"tenant": acme, "list_id": newsletter, "category": "kunde", "sync_after": False})
    assert added.state == "success", added
    counts = added.value("manage_members")
    assert (counts["matched"], counts["added"], counts["without_valid_email"]) == (5, 5, 2)
    by_id = run_dag("cleverreach_manage_members",
                    {"tenant": acme, "list_id": newsletter, "contact_ids": [key(5), key(2)], "sync_after": False})
    assert (by_id.value("manage_members")["added"], by_id.value("manage_members")["already_present"]) == (1, 1)
    removed = run_dag("cleverreach_manage_members", {"tenant": acme, "list_id": newsletter, "action": "remove",
                                                     "contact_ids": [key(2)], "sync_after": False})
    assert removed.value("manage_members")["removed"] == 1
    members = shape.members(crm_engine, newsletter)
    assert stored(shape, members, PENDING) == keys(shape, 1, 3, 4, 5, 6) == set(members)

    # --- the sync: adds, and rejects the contacts without a (primary) valid e-mail, with the reason
    first = run_dag("cleverreach_sync_recipients", {"tenant": acme, "list_id": newsletter})
    assert first.state == "success", first
    (plan,) = first.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"], plan["rejected"]) == (3, 0, 0, 2)
    receivers = remote(emulator)
    assert {"anna@example.org", "emil@example.org", "frida@example.org"} <= set(receivers)
    assert "anna.privat@example.org" not in receivers  # a secondary address is never synced
    assert receivers["anna@example.org"]["global_attributes"]["company"] == "Apotheke am Markt"
    assert receivers["anna@example.org"]["global_attributes"]["lastname"] == "Sommer"
    assert receivers["anna@example.org"]["global_attributes"]["ext_id"] == key(1)  # the CRM's key, as text
    members = shape.members(crm_engine, newsletter)
    assert stored(shape, members, SYNCED) == keys(shape, 1, 5, 6) and stored(shape, members, REJECTED) == keys(shape, 3, 4)
    assert members[key(3)]["error"] == "missing e-mail" and members[key(4)]["error"].startswith("invalid e-mail")
    # the CleverReach page reads them through the adapter: states in its words, keyset pages by last name
    page = UiReadStore(crm_engine)
    assert page.member_counts(newsletter, acme) == {"synced": 3, "rejected": 2}
    after_dach = page.members_page(acme, newsletter, state=None, sort=MemberSort.PERSON, descending=False,
                                   position=PagePosition.AFTER, boundary_id=key(4), page_size=2)
    assert [(r["last_name"], r["sync_state"]) for r in after_dach.rows] == [("Eck", "synced"), ("Fink", "synced")]

    # --- a contact change, a "no marketing" flag and a removal from the list
    shape.rename_contact(crm_engine, key(1), "Sommer-Winter")
    shape.flag_no_marketing(crm_engine, key(6))
    run_dag("cleverreach_manage_members", {"tenant": acme, "list_id": newsletter, "action": "remove",
                                           "contact_ids": [key(5)], "sync_after": False})
    second = run_dag("cleverreach_sync_recipients", {"tenant": acme, "list_id": newsletter})
    assert second.state == "success", second
    (plan,) = second.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"]) == (0, 1, 2)
    receivers = remote(emulator)
    assert receivers["anna@example.org"]["global_attributes"]["lastname"] == "Sommer-Winter"
    assert "emil@example.org" not in receivers and "frida@example.org" not in receivers
    assert receivers["form@example.org"]["active"]  # not the sync's: untouched
    members = shape.members(crm_engine, newsletter)
    assert stored(shape, members, REJECTED) == keys(shape, 3, 4, 6) and members[key(6)]["error"] == NO_MARKETING_REASON
    assert stored(shape, members, SYNCED) == keys(shape, 1)

    # --- at once again: nothing to write
    emulator.client.clear_requests()
    third = run_dag("cleverreach_sync_recipients", {"tenant": acme, "list_id": newsletter})
    assert third.state == "success", third
    (plan,) = third.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"]) == (0, 0, 0)
    assert writes(emulator) == 0


def test_mail_history_lands_in_the_crm_history_once(world, crm_engine, shape):
    world.client.reset(emulator_seed(shape, mailing=True))
    acme, key = shape.tenant_key("acme"), shape.contact_key
    lists = import_lists(crm_engine, shape)
    shape.add_members(crm_engine, lists[NEWSLETTER], keys(shape, 1, 2, 6), SYNCED)

    first = run_dag("cleverreach_sync_mail_history", {"tenant": acme})

    assert first.state == "success", first
    (load,) = first.returns["load_history"]
    assert load["unmatched"] == 2  # Carl's secondary address and the form sign-up
    rows = shape.history(crm_engine, acme)
    kinds = shape.kinds
    assert sorted((r["contact_id"], r["kind"]) for r in rows) == sorted([
        (key(1), kinds[HistoryKind.MAIL_SENT]), (key(2), kinds[HistoryKind.MAIL_SENT]),
        (key(6), kinds[HistoryKind.MAIL_SENT]), (key(1), kinds[HistoryKind.MAIL_OPENED]),
        (key(1), kinds[HistoryKind.MAIL_CLICKED]), (key(2), kinds[HistoryKind.MAIL_BOUNCED]),
        (key(6), kinds[HistoryKind.UNSUBSCRIBED])])
    assert {r["source"] for r in rows} == {shape.source} and {r["subject"] for r in rows} == {"Neues im Oktober"}
    assert len({r["external_key"] for r in rows}) == len(rows)
    members = shape.members(crm_engine, lists[NEWSLETTER])  # the report's consent reaches the members
    assert [members[key(cid)]["state"] for cid in (1, 2, 6)] == [
        shape.states[SYNCED], shape.states[MemberState.BOUNCED], shape.states[MemberState.UNSUBSCRIBED]]
    # the page reads the history through the adapter, at the report's instant (UTC, whatever the CRM stores)
    page = UiReadStore(crm_engine)
    opened = [r for r in page.contact_history(acme, key(1), page=1, page_size=10) if r["kind"] == "mail_opened"]
    assert [as_utc(r["occurred_at"]) for r in opened] == [from_unix(NOW - 9 * DAY)]

    again = run_dag("cleverreach_sync_mail_history", {"tenant": acme, "since": "2020-01-01"})
    assert again.state == "success", again
    assert again.returns["load_history"][0]["rows_inserted"] == 0
    assert shape.history(crm_engine, acme) == rows


@pytest.mark.parametrize("tenant, contact", [("acme", 1), ("beta", 90)])
def test_times_cross_the_adapter_as_utc(world, crm_engine, shape, tenant, contact):
    """A time the integration writes reaches the CRM as the CRM stores times (UTC, or the organisation's local
    time: Europe/Berlin for acme, America/New_York for beta in the commercial CRM) and comes back as the same
    instant; a change the CRM stamps reads as its UTC instant."""
    tenant_id, key = shape.tenant_key(tenant), shape.contact_key(contact)
    dialect, bind = crm_engine.dialect.name, adapter_keys()
    with crm_engine.begin() as conn:
        conn.execute(query("insert_recipient_list", dialect), {
            "tenant_id": tenant_id, "external_id": bind.bind_group("3001"), "name": "Zeit", "short_description": None,
            "remote_member_count": 0, "now": utcnow(), "actor": "test"})
    (list_id,) = [row["id"] for external_id, row in shape.lists(crm_engine, tenant_id).items() if external_id == "3001"]
    shape.add_members(crm_engine, list_id, [key], SYNCED)
    synced_at = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    changed_at = synced_at + timedelta(minutes=31)  # after the seeding's stamps (the German CRM takes the later)
    with crm_engine.begin() as conn:
        conn.execute(query("sync_set_member_state", dialect).bindparams(bindparam("contact_ids", expanding=True)), {
            "sync_state": SYNCED, "synced_at": synced_at, "sync_error": None, "list_id": bind.bind_list(list_id),
            "contact_ids": [bind.bind_contact(key)]})
    shape.rename_contact(crm_engine, key, "Neu", at=changed_at)

    stored_synced = as_utc(shape.members(crm_engine, list_id)[key]["synced_at"])
    assert stored_synced.replace(tzinfo=None) == shape.stored_time(tenant_id, synced_at)
    with crm_engine.connect() as conn:
        (row,) = conn.execute(query("sync_select_members", dialect),
                              {"tenant_id": tenant_id, "list_id": bind.bind_list(list_id)}).mappings()
    assert as_key(row["contact_person_id"]) == key
    assert (as_utc(row["synced_at"]), as_utc(row["changed_at"])) == (synced_at, changed_at)
    assert as_utc(row["changed_at"]).tzinfo == UTC
