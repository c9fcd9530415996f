"""A CRM with one tenant, one list on group 1001, members in every state, their receivers owned by the sync, and an
active registration of each receiver event with a known call token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.webhooks.events import DEFAULT_EVENTS, token_sha256
from cleverreach.webhooks.store import WebhookStore

TENANT, LIST, GROUP = "acme", "41", "1001"
TOKEN = "t" * 60 + "0123"  # 64 characters, as CleverReach's
STATES = {1: "synced", 2: "unconfirmed", 3: "unsubscribed", 4: "pending", 5: "bounced", 6: "synced"}


def receiver_of(contact: int) -> str:
    return str(7000 + contact)


@dataclass
class Seeded:
    engine: object
    store: WebhookStore

    def state(self, contact: int) -> tuple[str, str | None]:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT sync_state, sync_error FROM recipient_list_member "
                                    "WHERE list_id = 41 AND contact_person_id = :c"), {"c": contact}).one()
        return row[0], row[1]

    def events(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM webhook_event ORDER BY id"))]

    def owned(self) -> set[str]:
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(text("SELECT receiver_id FROM sync_owned_receiver"))}


def seed(engine, contacts: dict[int, str] = STATES) -> Seeded:
    migrate(engine)
    add_tenants(engine, {"id": TENANT, "name": "ACME"})
    add_addresses(engine, [{"id": 10, "tenant_id": TENANT, "name": "Apotheke"}])
    add_contacts(engine, [{"id": c, "tenant_id": TENANT, "address_id": 10, "email": f"p{c}@acme.example"} for c in contacts])
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (41, :t, :g, 'News', CURRENT_TIMESTAMP)"), {"t": TENANT, "g": GROUP})
    for state in set(contacts.values()):
        add_members(engine, 41, [c for c, s in contacts.items() if s == state], sync_state=state)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_owned_receiver (list_id, group_id, email_key, receiver_id, contact_person_id, "
                          "origin, since) VALUES ('41', :g, :k, :r, :c, 'created', CURRENT_TIMESTAMP)"),
                     [{"g": GROUP, "k": f"p{c}@acme.example", "r": receiver_of(c), "c": str(c)} for c in contacts])
    store = WebhookStore(engine)
    for event in DEFAULT_EVENTS:
        store.save_pending(TENANT, LIST, GROUP, event, f"https://airflow.example/cleverreach-webhooks/acme/{event}/41",
                           "verify-value-0123456789")
        store.activate(TENANT, LIST, event, token_sha256(TOKEN), "hooks/eventhook")
    return Seeded(engine, store)


@pytest.fixture
def seeded(crm_engine) -> Seeded:
    return seed(crm_engine)
