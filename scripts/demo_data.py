"""Deterministic sample data for the demo and `make airflow`: a small CRM and matching CleverReach accounts.

Two tenants, each with a few dozen addresses and contact persons (German names, umlauts, some
without e-mail, one flagged "no marketing" and one anonymised), and a CleverReach account per tenant with groups, receivers (some of them form
sign-ups the CRM does not know) and finished mailings with opens, clicks, a bounce and an unsubscribe.
"""

from __future__ import annotations

import random
import time
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text

FIRST = ["Jürgen", "Anna", "Björn", "Lena", "Matthias", "Sören", "Käthe", "Lukas", "Marie", "Özlem",
         "Frank", "Sabine", "Jörg", "Uwe", "Hannah", "Günther", "Leonie", "Maximilian", "Ute", "Zoë"]
LAST = ["Müller", "Schröder", "Weiß", "Köhler", "Bäcker", "Groß", "Schäfer", "Krüger", "Hoffmann",
        "Wagner", "Fuchs", "Vogel", "Jäger", "Öztürk", "Becker", "Lehmann", "Kühn", "Schmitt"]
COMPANY_STEMS = ["Bäckerei", "Autohaus", "Brauerei", "Möbelhaus", "Sanitär", "Druckerei", "Gärtnerei",
                 "Ingenieurbüro", "Kanzlei", "Zahnarztpraxis", "Reisebüro", "Elektro", "Tischlerei"]
CITIES = ["München", "Köln", "Düsseldorf", "Nürnberg", "Lübeck", "Göttingen", "Würzburg", "Berlin", "Hamburg", "Saarbrücken"]
CATEGORIES = ["Kunde", "Interessent", "Lieferant", "Partner"]
TAGS = ["VIP", "Newsletter", "Messe 2026", "Händler"]
PROCESSES = ["Neukunde 2026", "Upselling", "Rückgewinnung"]
FUNCTIONS = ["Geschäftsführer", "Einkauf", "Marketing", "Vertrieb", None]

TENANTS = [
    {"id": "acme", "name": "ACME Handels GmbH", "client_id": "demo-acme-client", "secret": "demo-acme-secret-4711"},
    {"id": "nordlicht", "name": "Nordlicht Vertriebs AG", "client_id": "demo-nordlicht-client", "secret": "demo-nordlicht-secret-0815"},
]


def _ascii(value: str) -> str:
    value = value.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    value = value.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower().replace(" ", "")


def build_crm(seed: int = 42, addresses_per_tenant: int = 24) -> dict[str, list[dict[str, Any]]]:
    """Rows for tenant, address, address_tag, address_sales_process and contact_person (with the CRM's
    consent marks ``no_marketing`` and ``deleted_at`` and the change time ``changed_at``)."""
    rng = random.Random(seed)
    data: dict[str, list[dict[str, Any]]] = {k: [] for k in ("tenant", "address", "address_tag", "address_sales_process", "contact_person")}
    address_id, contact_id = 1000, 5000
    for number, tenant in enumerate(TENANTS):
        data["tenant"].append({"id": tenant["id"], "name": tenant["name"], "cleverreach_conn_id": None, "active": True})
        for i in range(addresses_per_tenant):
            address_id += 1
            stem, last, city = rng.choice(COMPANY_STEMS), rng.choice(LAST), rng.choice(CITIES)
            name = f"{stem} {last}" if i % 5 else f"{i + 1}. {stem} {last}"  # some start with a digit
            if i % 7 == 3:
                name = f"Ärztehaus {city}"  # an umlaut initial, filed under A
            domain = f"{_ascii(stem)}-{_ascii(last)}{number}.example"
            category = CATEGORIES[i % len(CATEGORIES)]
            data["address"].append({"id": address_id, "tenant_id": tenant["id"], "name": name,
                                    "matchcode": _ascii(last)[:8].upper(), "city": city, "category": category})
            for tag in rng.sample(TAGS, k=rng.randint(0, 2)):
                data["address_tag"].append({"address_id": address_id, "tag": tag})
            if i % 3 == 0:
                data["address_sales_process"].append({"address_id": address_id, "sales_process": rng.choice(PROCESSES)})
            for _ in range(rng.randint(1, 3)):
                contact_id += 1
                first, last_name = rng.choice(FIRST), rng.choice(LAST)
                email = f"{_ascii(first)}.{_ascii(last_name)}@{domain}"
                if contact_id % 11 == 0:
                    email = None  # no e-mail: the sync rejects it
                elif contact_id % 17 == 0:
                    email = f"{first.lower()}@{domain}"  # an umlaut in the local part (SMTPUTF8)
                elif contact_id % 19 == 0:
                    email = f"  {email.upper()} "  # spaces and capitals, as people type them
                data["contact_person"].append({
                    "id": contact_id, "tenant_id": tenant["id"], "address_id": address_id,
                    "salutation": rng.choice(["Herr", "Frau", None]), "first_name": first, "last_name": last_name,
                    "function": rng.choice(FUNCTIONS), "email": email,
                    "no_marketing": False, "deleted_at": None, "changed_at": CHANGED_AT,
                })
    _mark_withdrawn(data["contact_person"])
    return data


CHANGED_AT = datetime(2026, 1, 2, 9, 30)  # before any demo sync: every member's data is as last synced


def _mark_withdrawn(contacts: list[dict[str, Any]]) -> None:
    """The CRM's own consent marks, on the last two contacts of each tenant (not in the seeded groups):
    one objected to marketing, one was anonymised (no name, no address; the row stays)."""
    for tenant in TENANTS:
        mine = [c for c in contacts if c["tenant_id"] == tenant["id"] and c["email"]]
        mine[-1]["no_marketing"] = True
        anonymised = mine[-2]
        anonymised.update(first_name=None, last_name=None, salutation=None, function=None, email=None,
                          deleted_at=datetime(2026, 1, 3, 8, 0), changed_at=datetime(2026, 1, 3, 8, 0))


def load_crm(engine: Engine, data: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the rows (the CRM tables must exist)."""
    with engine.begin() as conn:
        for table in ("tenant", "address", "address_tag", "address_sales_process", "contact_person"):
            rows = data[table]
            if rows:
                cols = list(rows[0])
                conn.execute(
                    text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"),
                    rows,
                )


def build_emulator_seed(crm: dict[str, list[dict[str, Any]]], now: int | None = None) -> dict[str, Any]:
    """An account per tenant: three groups, receivers for some contacts plus form sign-ups, two mailings."""
    now = now or int(time.time())
    day = 86400
    accounts = []
    for number, tenant in enumerate(TENANTS):
        contacts = [c for c in crm["contact_person"] if c["tenant_id"] == tenant["id"] and c["email"]]
        base = 1000 * (number + 1)
        known = list(dict.fromkeys(c["email"].strip().lower() for c in contacts[:9]))
        newsletter = [{"email": email, "registered": now - 90 * day, "source": "Import"} for email in known]
        newsletter += [{"email": f"leser{i}@web-{tenant['id']}.example", "source": "Formular",
                        "registered": now - 30 * day} for i in range(3)]
        groups = [
            {"id": str(base + 1), "name": "Newsletter", "receiver_info": "Monatlicher Newsletter", "receivers": newsletter},
            {"id": str(base + 2), "name": "Kundeninformation", "receivers": []},
            {"id": str(base + 3), "name": "Messe-Einladungen", "receivers": []},
        ]
        recipients = newsletter
        mailings = [
            {"id": str(base * 10 + 1), "name": "Newsletter Oktober", "subject": "Neuigkeiten im Oktober",
             "state": "finished", "stamp": now - 40 * day, "started": now - 35 * day, "finished": now - 35 * day + 600,
             "group_ids": [str(base + 1)], "links": [{"id": "1", "url": "https://www.example.com/angebote"}],
             "recipients": [
                 {"email": r["email"], "opened": now - 35 * day + 3600 * (i + 1) if i % 2 == 0 else None,
                  "clicks": [{"link_id": "1", "stamp": now - 35 * day + 3600 * (i + 2)}] if i % 4 == 0 else [],
                  "bounced": now - 35 * day + 60 if i == 5 else None,
                  "unsubscribed": now - 34 * day if i == 3 else None}
                 for i, r in enumerate(recipients)]},
            {"id": str(base * 10 + 2), "name": "Entwurf Dezember", "subject": "Frohe Weihnachten", "state": "draft",
             "stamp": now - day, "group_ids": [str(base + 1)]},
        ]
        accounts.append({
            "client_id": tenant["client_id"], "client_secret": tenant["secret"], "name": tenant["name"],
            "attributes": [{"name": "firstname", "type": "text", "description": "Vorname"}],
            "groups": groups, "mailings": mailings,
        })
    return {"accounts": accounts}
