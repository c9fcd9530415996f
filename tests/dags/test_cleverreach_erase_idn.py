"""cleverreach_erase_contact through Airflow with IDN domains (issue 18): the erasure finds every spelling.

The sync writes an address as the CRM spells it (``anna@straße.de``) and keys it in IDNA 2008
(``anna@xn--strae-oqa.de``); how CleverReach compares the two spellings is unknown, so each test runs under
both emulator variants of ``idn_spelling``. The erasure must delete the person's receivers whatever the
spelling, keep ``anna@strasse.de`` (IDNA 2003's reading of the domain, another address) and say ``complete``
only when every receiver it found is gone. These tests run under the two variants that store the address as
written; ``test_idn_variants`` covers the erasure under every variant (converted, folded, refused).
"""

from __future__ import annotations

import pytest
from cleverreach_emulator.settings import VARIANTS
from helpers.connections import set_cleverreach_connection
from helpers.crm_seed import add_contacts, add_members, add_tenants, fetch
from helpers.erasure import erase
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.sync.keys import email_key

pytestmark = pytest.mark.usefixtures("airflow_db")

CLIENT, SECRET = "acme-client", "acme-secret-erase-idn"
ERASE, SYNC = "cleverreach_erase_contact", "cleverreach_sync_recipients"


@pytest.fixture(params=[v for v in VARIANTS["idn_spelling"] if v in ("as_written", "either")])
def world(request, emulator, crm_engine, monkeypatch):
    """List 1 = group 1001 holds Anna (contact 1, anna@straße.de), Jürgen (contact 2, Jürgen@Bücher.example)
    and Ben after a first sync; the unimported group 1003 holds Anna in punycode (a form sign-up), the other
    domain strasse.de and Ben."""
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET,
        "attributes": [{"name": "ext_id", "type": "text"}],
        "groups": [
            {"id": "1001", "name": "Newsletter", "receivers": []},
            {"id": "1003", "name": "Not imported", "receivers": [
                {"email": "ANNA@xn--strae-oqa.de"}, {"email": "anna@strasse.de"}, {"email": "ben@example.org"}]},
        ]}]})
    emulator.client.update_settings(idn_spelling=request.param)
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"})
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "email": "anna@straße.de", "first_name": "Anna"},
        {"id": 2, "tenant_id": "acme", "email": "Jürgen@Bücher.example", "first_name": "Jürgen"},
        {"id": 3, "tenant_id": "acme", "email": "ben@example.org", "first_name": "Ben"},
    ])
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'acme', '1001', 'Newsletter', CURRENT_TIMESTAMP)"))
    add_members(crm_engine, 1, [1, 2, 3])
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT, SECRET)
    synced = run_dag(SYNC, {"tenant": "acme", "list_id": 1})
    assert synced.state == "success", synced
    assert keys(emulator, "1001") == {"anna@xn--strae-oqa.de", "jürgen@xn--bcher-kva.example", "ben@example.org"}
    return emulator


def keys(emulator, group: str) -> set[str]:
    return {email_key(r["email"]) for r in emulator.client.group_receivers(group)}


def spellings(emulator, group: str) -> set[str]:
    return {r["email"] for r in emulator.client.group_receivers(group)}


def test_idn_erase_anna_strasse_by_contact_id_finds_and_deletes_every_spelling(world, crm_engine):
    assert "anna@straße.de" in spellings(world, "1001")  # the sync wrote it as the CRM spells it
    result = erase(crm_engine, "acme", contact_ids=[1])
    assert result.state == "success", result
    report = result.value("erase")
    assert report["cleverreach"] == {"groups_searched": 2, "receivers_found": 2, "receivers_deleted": 2,
                                     "receivers_failed": 0}
    assert report["complete"] is True and report["crm"]["owned_receivers"] == 1
    assert keys(world, "1001") == {"jürgen@xn--bcher-kva.example", "ben@example.org"}
    assert spellings(world, "1003") == {"anna@strasse.de", "ben@example.org"}  # another domain: not Anna's
    assert [r["contact_person_id"] for r in fetch(crm_engine, "SELECT contact_person_id FROM sync_owned_receiver "
                                                              "ORDER BY contact_person_id")] == ["2", "3"]
    assert not [r for r in fetch(crm_engine, "SELECT email FROM sync_change WHERE email IS NOT NULL")
                if email_key(r["email"]) == "anna@xn--strae-oqa.de"]
    # nothing is left to find, and the report says so
    again = erase(crm_engine, "acme", contact_ids=[1]).value("erase")
    assert (again["cleverreach"]["receivers_found"], again["complete"]) == (0, True)


def test_idn_erase_juergen_after_an_email_change_leaves_nothing_a_later_sync_recreates(world, crm_engine):
    with crm_engine.begin() as conn:  # the CRM's address changes; no sync ran since
        conn.execute(text("UPDATE contact_person SET email = 'juergen@neu.example' WHERE id = 2"))
        # stored plan rows that name the old address in other spellings and no contact
        run_id = conn.execute(text("SELECT max(id) FROM sync_run")).scalar()
        for spelling in ("JÜRGEN@xn--BCHER-KVA.example", "JÜRGEN@BÜCHER.example"):
            conn.execute(text("INSERT INTO sync_change (run_id, list_id, contact_person_id, email, action, reason, "
                              "result) VALUES (:r, '1', NULL, :e, 'reject', 'r', 'rejected')"), {"r": run_id, "e": spelling})
    result = erase(crm_engine, "acme", contact_ids=[2])
    assert result.state == "success", result
    report = result.value("erase")
    assert (report["cleverreach"]["receivers_found"], report["cleverreach"]["receivers_deleted"]) == (1, 1)
    assert report["complete"] is True and report["crm"]["owned_receivers"] == 1
    assert keys(world, "1001") == {"anna@xn--strae-oqa.de", "ben@example.org"}
    stored = [r["email"] for r in fetch(crm_engine, "SELECT email FROM sync_change WHERE email IS NOT NULL")]
    assert not [e for e in stored if email_key(e) in ("jürgen@xn--bcher-kva.example", "juergen@neu.example")]
    assert not fetch(crm_engine, "SELECT * FROM sync_change WHERE contact_person_id = '2'")
    assert not fetch(crm_engine, "SELECT * FROM sync_owned_receiver WHERE contact_person_id = '2'")
    # a later sync re-creates nothing: neither the old address nor the new one
    later = run_dag(SYNC, {"tenant": "acme", "list_id": 1})
    assert later.state == "success", later
    assert keys(world, "1001") == {"anna@xn--strae-oqa.de", "ben@example.org"}
