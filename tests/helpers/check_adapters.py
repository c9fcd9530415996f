"""Adapter folders for the check's tests: copies of the demo adapter with another key type, a broken
statement or a page statement without the page's aliases, and a small CRM seeded in their key types."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

DEMO = Path(__file__).resolve().parents[2] / "include" / "sql"
KEY_COLUMNS = (  # the demo CRM's contact and address key columns, as its crm/ files declare them
    ("CREATE TABLE IF NOT EXISTS address (\n    id integer PRIMARY KEY", "integer PRIMARY KEY"),
    ("CREATE TABLE IF NOT EXISTS contact_person (\n    id integer PRIMARY KEY", "integer PRIMARY KEY"),
    ("address_id integer", "integer"),
    ("contact_person_id integer", "integer"),
)


def copy_demo(folder: Path, *, contact: str = "integer", group: str = "text") -> Path:
    """The demo adapter in ``folder`` with ``[keys] contact`` (and ``address``, which ``uuid_contact_keys``
    keys alike) and ``group`` declared as given."""
    shutil.copytree(DEMO, folder)
    (folder / "adapter.toml").write_text(f'[keys]\ncontact = "{contact}"\naddress = "{contact}"\nlist = "integer"\n'
                                         f'group = "{group}"\n',
                                         encoding="utf-8")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert old in body, (path.name, old)
    path.write_text(body.replace(old, new), encoding="utf-8")


def bigint_group_ids(folder: Path) -> None:
    """recipient_list.external_id as bigint (a CRM that keeps CleverReach's group id as a number)."""
    edit(folder / "crm" / "0003_crm_lists_members_history.sql", "external_id text NOT NULL", "external_id bigint NOT NULL")


def uuid_contact_keys(folder: Path) -> None:
    """Contacts and addresses keyed by UUIDs: uuid on PostgreSQL, text on SQLite; the staging table too."""
    for name in ("0001_crm_tables", "0003_crm_lists_members_history"):
        shared = folder / "crm" / f"{name}.sql"
        for dialect, key in (("postgresql", "uuid"), ("sqlite", "text")):
            body = shared.read_text(encoding="utf-8")
            for old, typed in KEY_COLUMNS:
                body = body.replace(old, old.replace(typed, typed.replace("integer", key)))
            (folder / "crm" / f"{name}.{dialect}.sql").write_text(body, encoding="utf-8")
        shared.unlink()
    edit(folder / "queries" / "history_create_staging.postgresql.sql", "contact_person_id integer",
         "contact_person_id uuid")


CONTACTS = {name: str(uuid.UUID(int=n)) for n, name in enumerate(("anna", "ben", "bea"), start=1)}
ADDRESS = str(uuid.UUID(int=10))


def seed(engine: Engine, *, uuids: bool = False, group: int | str = "1001") -> None:
    """acme with an address, two contacts, a list with one member and a history row; beta with a contact
    and no list. Keys are UUIDs with ``uuids``, else the demo's integers."""
    ids = CONTACTS if uuids else {"anna": 1, "ben": 2, "bea": 9}
    address = ADDRESS if uuids else 10
    statements: list[tuple[str, dict | list]] = [
        ("INSERT INTO tenant (id, name, active) VALUES (:id, :name, true)",
         [{"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"}]),
        ("INSERT INTO address (id, tenant_id, name, category) VALUES (:id, 'acme', 'Sommer GmbH', 'Kunde')",
         {"id": address}),
        ("INSERT INTO contact_person (id, tenant_id, address_id, email, last_name) VALUES (:id, :t, :a, :e, 'X')",
         [{"id": ids["anna"], "t": "acme", "a": address, "e": "anna@example.org"},
          {"id": ids["ben"], "t": "acme", "a": None, "e": "ben@example.org"},
          {"id": ids["bea"], "t": "beta", "a": None, "e": "bea@example.org"}]),
        ("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
         "VALUES ('acme', :g, 'Newsletter', CURRENT_TIMESTAMP)", {"g": group}),
        ("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at) "
         "VALUES ((SELECT min(id) FROM recipient_list), :c, CURRENT_TIMESTAMP)", {"c": ids["anna"]}),
        ("INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, source, external_key) "
         "VALUES ('acme', :c, CURRENT_TIMESTAMP, 'mail_sent', 'cleverreach', 'm1/c1')", {"c": ids["anna"]}),
    ]
    with engine.begin() as conn:
        for sql, params in statements:
            conn.execute(text(sql), params)


Builder = Callable[[Path], None]
