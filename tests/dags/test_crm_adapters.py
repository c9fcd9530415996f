"""The CRM adapter proven by a second, differently shaped CRM: the same test bodies run through Airflow
against the demo CRM with the shipped adapter (``include/sql``) and against the German-shaped CRM with its
own adapter (``tests/adapters/german_crm``), each on SQLite and (with TEST_POSTGRES_URL) PostgreSQL.

Only ``[cleverreach] crm_adapter_dir`` differs between the two; the CRM is seeded and read back through
``helpers.crm_shapes``, in the CRM's own words (a German member state reads ``synchronisiert``).
"""

from __future__ import annotations

import time

import pytest
from helpers.connections import set_cleverreach_connection
from helpers.crm_shapes import SHAPES, Address, Contact, CrmShape, GermanCrm
from scripts.airflow_runner import run_dag

from cleverreach.crm.sql import ADAPTER_DIR_CONF_ENV
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

ADDRESSES = (
    Address(10, "acme", "Apotheke am Markt", matchcode="APO", city="Köln", category="Kunde", tags=("Newsletter",),
            sales_processes=("Neukunde",)),
    Address(11, "acme", "Ärztehaus Süd", city="Bonn", category="Kunde"),
    Address(12, "acme", "Zeta GmbH", city="Köln", category="Lieferant", tags=("Newsletter",)),
    Address(90, "beta", "Beta Kunde", category="Kunde"),
)
CONTACTS = (
    Contact(1, "acme", 10, "Frau", "Anna", "Sommer", "Inhaberin", "anna@example.org", ("anna.privat@example.org",)),
    Contact(2, "acme", 10, "Herr", "Ben", "Berg", email="ben@example.org"),
    Contact(3, "acme", 11, "Herr", "Carl", "Cramer", other_emails=("carl.privat@example.org",)),  # no primary address
    Contact(4, "acme", 11, "Frau", "Dora", "Dach", email="not-an-address"),
    Contact(5, "acme", 12, "Herr", "Emil", "Eck", email="emil@example.org"),
    Contact(6, "acme", 10, "Frau", "Frida", "Fink", email="frida@example.org"),
    Contact(90, "beta", 90, first_name="Bea", email="bea@example.org"),
)


@pytest.fixture(params=SHAPES, ids=str)
def shape(request, monkeypatch) -> CrmShape:
    """The CRM shape; its adapter folder is the one the integration reads (set before any table is made)."""
    monkeypatch.setenv(ADAPTER_DIR_CONF_ENV, str(request.param.adapter_dir))
    return request.param


@pytest.fixture
def crm_conn(shape, crm_conn):
    """conftest's CRM database, its tables made from the shape's adapter folder (``crm/``)."""
    return crm_conn


def emulator_seed(mailing: bool = False) -> dict:
    """Group 1001 with a form sign-up, group 1002 empty; with ``mailing``, group 1001 also holds receivers
    of acme's contacts and a finished mailing went to it."""
    receivers = [{"email": "form@example.org"}]
    if mailing:
        receivers += [
            {"email": "anna@example.org", "global_attributes": {"ext_id": "1"}},
            {"email": "ben@example.org"},  # matched by e-mail
            {"email": "carl.privat@example.org"},  # Carl's secondary address: never synced, it matches nobody
            {"email": "frida@example.org", "global_attributes": {"ext_id": "6"}},
        ]
    recipients = [{"email": r["email"]} for r in receivers]
    if mailing:
        recipients[1].update(opened=NOW - 9 * DAY, clicks=[{"link_id": "1", "stamp": NOW - 9 * DAY + 60}])
        recipients[2].update(bounced=NOW - 10 * DAY + 30)
        recipients[4].update(unsubscribed=NOW - 8 * DAY)
    mailings = [{"id": "501", "name": "Oktober", "subject": "Neues im Oktober", "state": "finished",
                 "started": NOW - 10 * DAY, "finished": NOW - 10 * DAY + 600, "group_ids": ["1001"],
                 "links": [{"id": "1", "url": "https://shop.example/a"}], "recipients": recipients}]
    return {"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET, "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [{"id": "1001", "name": "Newsletter", "receivers": receivers},
                   {"id": "1002", "name": "Kunden", "receivers": []}],
        "mailings": mailings if mailing else [],
    }]}


@pytest.fixture
def world(emulator, crm_engine, shape, monkeypatch):
    """Tenants acme and beta (active) and gamma (inactive); acme's companies and contact persons; the
    German CRM also has a letter list of its own, which is not the integration's."""
    emulator.client.reset(emulator_seed())
    shape.prepare_private_state(crm_engine)
    shape.add_tenants(crm_engine, {"id": "acme", "name": "ACME GmbH"}, {"id": "beta", "name": "Beta AG"},
                      {"id": "gamma", "name": "Gamma (gesperrt)", "active": False})
    shape.add_addresses(crm_engine, ADDRESSES)
    shape.add_contacts(crm_engine, CONTACTS)
    if isinstance(shape, GermanCrm):
        shape.add_letter_list(crm_engine, "acme", "Weihnachtskarten")
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET, **FAST)
    return emulator


def import_lists(engine, shape: CrmShape) -> dict[str, int]:
    """Run the import for acme; the list ids by group id."""
    result = run_dag("cleverreach_import_lists", {"tenant": "acme"})
    assert result.state == "success", result
    return {external_id: row["id"] for external_id, row in shape.lists(engine, "acme").items() if external_id}


def stored(shape: CrmShape, members: dict[int, dict], state: MemberState) -> set[int]:
    return {cid for cid, row in members.items() if row["state"] == shape.states[state]}


def remote(emulator, group: str = "1001") -> dict[str, dict]:
    return {r["email"]: r for r in emulator.client.group_receivers(group)}


def writes(emulator) -> int:
    return emulator.client.counters()["writes"]


def test_the_check_passes_every_statement(world, crm_engine, shape):
    lists = import_lists(crm_engine, shape)
    shape.add_members(crm_engine, lists["1001"], [1, 2], SYNCED)
    shape.add_members(crm_engine, lists["1001"], [3], PENDING)

    result = run_dag("cleverreach_check_crm", {"tenant": None})

    assert result.state == "success", result
    report = result.value("check_adapter")
    dialect = crm_engine.dialect.name
    assert {s["name"]: s["verdict"] for s in report["statements"]} == {
        s.name: "ok" if s.runs_on(dialect) else "skipped" for s in STATEMENTS}
    assert report["ok"] is True
    assert report["tenants"] == {  # gamma is inactive
        "acme": {"contacts": 6, "contacts_with_valid_email": 4, "contacts_withdrawn": 0, "lists": 2,
                 "members": {"pending": 1, "synced": 2}, "history_rows": 0},
        "beta": {"contacts": 1, "contacts_with_valid_email": 1, "contacts_withdrawn": 0, "lists": 0, "members": {},
                 "history_rows": 0},
    }


def test_import_manage_members_and_sync(world, crm_engine, shape):
    emulator = world
    result = run_dag("cleverreach_import_lists", {"tenant": "acme"})
    assert result.state == "success", result
    summary = result.value("import_lists")
    assert {k: summary[k] for k in ("tenant_id", "groups", "created", "refreshed", "revived", "marked_deleted")} == {
        "tenant_id": "acme", "groups": 2, "created": 2, "refreshed": 0, "revived": 0, "marked_deleted": 0}
    # the tenant's zone comes through the adapter (NULL in the demo CRM, the German CRM's default): Europe/Berlin
    assert summary["time_zone"] == "Europe/Berlin" and summary["finished_local"].endswith((" CET", " CEST"))
    lists = shape.lists(crm_engine, "acme")
    assert {k: (v["name"], v["remote_member_count"]) for k, v in lists.items() if k} == {
        "1001": ("Newsletter", 1), "1002": ("Kunden", 0)}
    newsletter = lists["1001"]["id"]

    # --- the members dialog: by a filter, by id, and a removal
    added = run_dag("cleverreach_manage_members",
                    {"tenant": "acme", "list_id": newsletter, "category": "kunde", "sync_after": False})
    assert added.state == "success", added
    counts = added.value("manage_members")
    assert (counts["matched"], counts["added"], counts["without_valid_email"]) == (5, 5, 2)
    by_id = run_dag("cleverreach_manage_members",
                    {"tenant": "acme", "list_id": newsletter, "contact_ids": [5, 2], "sync_after": False})
    assert (by_id.value("manage_members")["added"], by_id.value("manage_members")["already_present"]) == (1, 1)
    removed = run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": newsletter, "action": "remove",
                                                     "contact_ids": [2], "sync_after": False})
    assert removed.value("manage_members")["removed"] == 1
    members = shape.members(crm_engine, newsletter)
    assert stored(shape, members, PENDING) == {1, 3, 4, 5, 6} == set(members)

    # --- the sync: adds, and rejects the contacts without a (primary) valid e-mail, with the reason
    first = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": newsletter})
    assert first.state == "success", first
    (plan,) = first.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"], plan["rejected"]) == (3, 0, 0, 2)
    receivers = remote(emulator)
    assert {"anna@example.org", "emil@example.org", "frida@example.org"} <= set(receivers)
    assert "anna.privat@example.org" not in receivers  # a secondary address is never synced
    assert receivers["anna@example.org"]["global_attributes"]["company"] == "Apotheke am Markt"
    assert receivers["anna@example.org"]["global_attributes"]["lastname"] == "Sommer"
    members = shape.members(crm_engine, newsletter)
    assert stored(shape, members, SYNCED) == {1, 5, 6} and stored(shape, members, REJECTED) == {3, 4}
    assert members[3]["error"] == "missing e-mail" and members[4]["error"].startswith("invalid e-mail")
    # the CleverReach page reads them through the adapter: states in its words, keyset pages by last name
    page = UiReadStore(crm_engine)
    assert page.member_counts(newsletter, "acme") == {"synced": 3, "rejected": 2}
    after_dach = page.members_page("acme", newsletter, state=None, sort=MemberSort.PERSON, descending=False,
                                   position=PagePosition.AFTER, boundary_id=4, page_size=2)
    assert [(r["last_name"], r["sync_state"]) for r in after_dach.rows] == [("Eck", "synced"), ("Fink", "synced")]

    # --- a contact change, a "no marketing" flag and a removal from the list
    shape.rename_contact(crm_engine, 1, "Sommer-Winter")
    shape.flag_no_marketing(crm_engine, 6)
    run_dag("cleverreach_manage_members", {"tenant": "acme", "list_id": newsletter, "action": "remove",
                                           "contact_ids": [5], "sync_after": False})
    second = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": newsletter})
    assert second.state == "success", second
    (plan,) = second.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"]) == (0, 1, 2)
    receivers = remote(emulator)
    assert receivers["anna@example.org"]["global_attributes"]["lastname"] == "Sommer-Winter"
    assert "emil@example.org" not in receivers and "frida@example.org" not in receivers
    assert receivers["form@example.org"]["active"]  # not the sync's: untouched
    members = shape.members(crm_engine, newsletter)
    assert stored(shape, members, REJECTED) == {3, 4, 6} and members[6]["error"] == NO_MARKETING_REASON
    assert stored(shape, members, SYNCED) == {1}

    # --- at once again: nothing to write
    emulator.client.clear_requests()
    third = run_dag("cleverreach_sync_recipients", {"tenant": "acme", "list_id": newsletter})
    assert third.state == "success", third
    (plan,) = third.returns["sync_list"]
    assert (plan["added"], plan["updated"], plan["removed"]) == (0, 0, 0)
    assert writes(emulator) == 0


def test_mail_history_lands_in_the_crm_history_once(world, crm_engine, shape):
    world.client.reset(emulator_seed(mailing=True))
    lists = import_lists(crm_engine, shape)
    shape.add_members(crm_engine, lists["1001"], [1, 2, 6], SYNCED)

    first = run_dag("cleverreach_sync_mail_history", {"tenant": "acme"})

    assert first.state == "success", first
    (load,) = first.returns["load_history"]
    assert load["unmatched"] == 2  # Carl's secondary address and the form sign-up
    rows = shape.history(crm_engine, "acme")
    kinds = shape.kinds
    assert sorted((r["contact_id"], r["kind"]) for r in rows) == sorted([
        (1, kinds[HistoryKind.MAIL_SENT]), (2, kinds[HistoryKind.MAIL_SENT]), (6, kinds[HistoryKind.MAIL_SENT]),
        (1, kinds[HistoryKind.MAIL_OPENED]), (1, kinds[HistoryKind.MAIL_CLICKED]),
        (2, kinds[HistoryKind.MAIL_BOUNCED]), (6, kinds[HistoryKind.UNSUBSCRIBED])])
    assert {r["source"] for r in rows} == {shape.source} and {r["subject"] for r in rows} == {"Neues im Oktober"}
    assert len({r["external_key"] for r in rows}) == len(rows)
    members = shape.members(crm_engine, lists["1001"])  # the report's consent reaches the members
    assert [members[cid]["state"] for cid in (1, 2, 6)] == [
        shape.states[SYNCED], shape.states[MemberState.BOUNCED], shape.states[MemberState.UNSUBSCRIBED]]

    again = run_dag("cleverreach_sync_mail_history", {"tenant": "acme", "since": "2020-01-01"})
    assert again.state == "success", again
    assert again.returns["load_history"][0]["rows_inserted"] == 0
    assert shape.history(crm_engine, "acme") == rows
