"""Small CRM data sets for tests, written through SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, text


def add_tenants(engine: Engine, *tenants: dict) -> None:
    """Tenants as dicts: id, name, optional cleverreach_conn_id and active."""
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO tenant (id, name, cleverreach_conn_id, active) VALUES (:id, :name, :cleverreach_conn_id, :active)"),
            [{"cleverreach_conn_id": None, "active": True, **t} for t in tenants],
        )


def add_addresses(engine: Engine, rows: Iterable[dict]) -> None:
    rows = list(rows)
    with engine.begin() as conn:
        for row in rows:
            conn.execute(
                text(
                    "INSERT INTO address (id, tenant_id, name, matchcode, city, category) "
                    "VALUES (:id, :tenant_id, :name, :matchcode, :city, :category)"
                ),
                {"matchcode": None, "city": None, "category": None, **row},
            )
            for tag in row.get("tags", []):
                conn.execute(text("INSERT INTO address_tag (address_id, tag) VALUES (:a, :t)"), {"a": row["id"], "t": tag})
            for process in row.get("sales_processes", []):
                conn.execute(
                    text("INSERT INTO address_sales_process (address_id, sales_process) VALUES (:a, :p)"),
                    {"a": row["id"], "p": process},
                )


def add_contacts(engine: Engine, rows: Iterable[dict]) -> None:
    defaults = {"address_id": None, "salutation": None, "first_name": None, "last_name": None, "function": None, "email": None}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, function, email) "
                "VALUES (:id, :tenant_id, :address_id, :salutation, :first_name, :last_name, :function, :email)"
            ),
            [{**defaults, **row} for row in rows],
        )


def add_members(engine: Engine, list_id: int, contact_ids: Iterable[int], sync_state: str = "pending") -> None:
    """Put contact persons on a recipient list, as the CRM's dialog does."""
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                 "VALUES (:l, :c, CURRENT_TIMESTAMP, :s)"),
            [{"l": list_id, "c": int(c), "s": sync_state} for c in contact_ids],
        )


def fetch(engine: Engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]
