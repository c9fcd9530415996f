"""The distributed test's world: 5 tenants in the CRM and their CleverReach accounts in the emulator.

Every tenant has one address of category ``Kunde`` with a few contact persons and three groups
(``Newsletter`` with receivers and a sent mailing, ``Kundeninformation`` and ``Grosse Liste`` empty).
Tenant ``dist1`` also has ``KILL_MEMBERS`` contacts (category ``Gross``) for the list whose sync loses its
worker, and ``dist2`` has ``RACE_MEMBERS`` for the list two workers race on. Their connections use small
batches, so that a sync makes many write calls and the windows for a kill and a race are wide.
"""

from __future__ import annotations

import json
import time
from typing import Any

TENANT_IDS = [f"dist{n}" for n in range(1, 6)]
CUSTOMERS = 12  # contact persons of category "Kunde" per tenant
KILL_TENANT, KILL_MEMBERS = "dist1", 1500
RACE_TENANT, RACE_MEMBERS = "dist2", 400
BATCH_SIZE = 100  # the batch_size extra of every tenant's connection
MAILING_RECEIVERS = 8


def client_id(tenant: str) -> str:
    return f"{tenant}-client"


def secret(tenant: str) -> str:
    return f"{tenant}-secret-{len(tenant) * 1111}"


def email(tenant: str, contact_id: int) -> str:
    return f"person{contact_id}@{tenant}.example"


def build_crm() -> dict[str, list[dict[str, Any]]]:
    """Rows of tenant, address and contact_person (no tags or sales processes are needed here)."""
    data: dict[str, list[dict[str, Any]]] = {"tenant": [], "address": [], "address_tag": [],
                                             "address_sales_process": [], "contact_person": []}
    contact_id = 10_000
    for number, tenant in enumerate(TENANT_IDS, 1):
        data["tenant"].append({"id": tenant, "name": f"Verteilt {number} GmbH", "cleverreach_conn_id": None,
                               "active": True})
        extra = {KILL_TENANT: KILL_MEMBERS, RACE_TENANT: RACE_MEMBERS}.get(tenant, 0)
        for offset, (category, count) in enumerate((("Kunde", CUSTOMERS), ("Gross", extra))):
            address_id = number * 100 + offset
            data["address"].append({"id": address_id, "tenant_id": tenant, "name": f"{category} {number}",
                                    "matchcode": f"{category[:4].upper()}{number}", "city": "Köln", "category": category})
            for _ in range(count):
                contact_id += 1
                data["contact_person"].append({
                    "id": contact_id, "tenant_id": tenant, "address_id": address_id, "salutation": "Frau",
                    "first_name": "Erika", "last_name": f"Muster{contact_id}", "function": None,
                    "email": email(tenant, contact_id),
                })
    return data


def build_seed(crm: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One account per tenant; the Newsletter group already holds some customers, who got a mailing."""
    now = int(time.time())
    day = 86400
    accounts = []
    for number, tenant in enumerate(TENANT_IDS, 1):
        customers = [c for c in crm["contact_person"] if c["tenant_id"] == tenant and c["address_id"] == number * 100]
        known = [c["email"] for c in customers[:MAILING_RECEIVERS]]
        base = 1000 * number
        groups = [
            {"id": str(base + 1), "name": "Newsletter",
             "receivers": [{"email": e, "registered": now - 90 * day, "source": "Import"} for e in known]},
            {"id": str(base + 2), "name": "Kundeninformation", "receivers": []},
            {"id": str(base + 3), "name": "Grosse Liste", "receivers": []},
        ]
        mailing = {
            "id": str(base * 10 + 1), "name": "Newsletter", "subject": "Neuigkeiten", "state": "finished",
            "stamp": now - 5 * day, "started": now - 4 * day, "finished": now - 4 * day + 600,
            "group_ids": [str(base + 1)], "links": [{"id": "1", "url": "https://www.example.com/angebote"}],
            "recipients": [{"email": e, "opened": now - 4 * day + 3600 if i % 2 == 0 else None,
                            "clicks": [{"link_id": "1", "stamp": now - 4 * day + 7200}] if i % 4 == 0 else []}
                           for i, e in enumerate(known)],
        }
        accounts.append({"client_id": client_id(tenant), "client_secret": secret(tenant), "name": tenant,
                         "groups": groups, "mailings": [mailing]})
    return {"accounts": accounts}


def connections(emulator_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_CLEVERREACH_<TENANT>`` for every tenant, with small batches."""
    return {
        f"AIRFLOW_CONN_CLEVERREACH_{tenant.upper()}": json.dumps({
            "conn_type": "cleverreach", "host": emulator_url, "login": client_id(tenant), "password": secret(tenant),
            "extra": {"batch_size": BATCH_SIZE},
        })
        for tenant in TENANT_IDS
    }
