"""The members package's CRM: two tenants with addresses, persons and lists (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from sqlalchemy import text

from cleverreach.crm.migrations import migrate


@pytest.fixture
def crm(crm_engine) -> dict[str, int]:
    """Two tenants with addresses, persons and lists; returns the list ids by name."""
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME GmbH"}, {"id": "beta", "name": "Beta AG"},
                {"id": "gamma", "name": "Gamma KG", "active": False})
    add_addresses(crm_engine, [
        {"id": 1, "tenant_id": "acme", "name": "Ärztehaus Mitte", "matchcode": "AERZTE", "city": "Berlin",
         "category": "Ärzte", "tags": ["VIP"], "sales_processes": ["Neukunde"]},
        {"id": 2, "tenant_id": "acme", "name": "Apotheke am Markt", "matchcode": "APO", "city": "Köln",
         "category": "Kunde", "tags": ["vip", "Newsletter"]},
        {"id": 3, "tenant_id": "acme", "name": "1. FC Beispiel", "city": "KÖLN", "category": "Verein"},
        {"id": 4, "tenant_id": "acme", "name": "  Bäckerei Lang", "matchcode": "BAECK", "city": "100% Bio_Stadt",
         "category": "kunde"},
        {"id": 5, "tenant_id": "acme", "name": "émile & fils", "city": "Paris", "category": "Kunde",
         "sales_processes": ["Bestandskunde"]},
        {"id": 6, "tenant_id": "acme", "name": "Zeta 50% GmbH", "city": "Hamburg", "category": "Lieferant"},
        {"id": 9, "tenant_id": "beta", "name": "Ärzte Beta", "city": "Köln", "category": "Kunde", "tags": ["VIP"]},
    ])
    add_contacts(crm_engine, [
        {"id": 10, "tenant_id": "acme", "address_id": 1, "email": "arzt@example.org"},
        {"id": 11, "tenant_id": "acme", "address_id": 1, "email": None},
        {"id": 12, "tenant_id": "acme", "address_id": 2, "email": "apo@example.org"},
        {"id": 13, "tenant_id": "acme", "address_id": 3, "email": "   "},
        {"id": 14, "tenant_id": "acme", "address_id": 4, "email": "not-an-address"},
        {"id": 15, "tenant_id": "acme", "address_id": 5, "email": " emile@example.fr "},
        {"id": 16, "tenant_id": "acme", "address_id": 6, "email": "zeta@example.org"},
        {"id": 17, "tenant_id": "acme", "address_id": None, "email": "solo@example.org"},
        {"id": 90, "tenant_id": "beta", "address_id": 9, "email": "beta@example.org"},
    ])
    with crm_engine.begin() as conn:
        for tenant, external_id, name, deleted in [
            ("acme", "1001", "Newsletter", None), ("acme", "1002", "Alt", "2026-01-02 03:04:05"),
            ("beta", "2001", "Presse Beta", None),
        ]:
            conn.execute(
                text("INSERT INTO recipient_list (tenant_id, external_id, name, remote_deleted_at, created_at) "
                     "VALUES (:t, :e, :n, :d, CURRENT_TIMESTAMP)"),
                {"t": tenant, "e": external_id, "n": name, "d": deleted},
            )
    return {r["name"]: r["id"] for r in fetch(crm_engine, "SELECT id, name FROM recipient_list")}
