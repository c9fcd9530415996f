"""The mail-history load's reads and writes on the CRM, with a bulk path per dialect."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from cleverreach.crm.bulk import bulk_insert
from cleverreach.crm.sql import load_sql
from cleverreach.crm.store import SqlStore, utcnow
from cleverreach.history.events import ContactIndex, HistoryRow

CONSENT_REASONS = {"unsubscribed": "unsubscribed in CleverReach (mail report)", "bounced": "bounced in CleverReach (mail report)"}


class HistoryStore(SqlStore):
    """Contacts, lists and watermarks of a tenant; bulk history rows."""

    # ------------------------------------------------------------------ reads
    def lists(self, tenant_id: str) -> list[dict]:
        """The tenant's lists: ``list_id``, ``external_id`` (group id) and ``finished_until`` (None = never)."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(self.q("history_select_watermark"), {"tenant_id": tenant_id})]

    def contacts(self, tenant_id: str) -> ContactIndex:
        with self.engine.connect() as conn:
            return ContactIndex((r[0], r[1]) for r in conn.execute(self.q("history_select_contacts"), {"tenant_id": tenant_id}))

    # ------------------------------------------------------------------ writes
    def save(self, rows: Sequence[HistoryRow], consent: Iterable[tuple[int, str, int]] = ()) -> int:
        """Insert rows (duplicates ignored) and mark members, in one transaction; returns rows inserted."""
        with self.engine.begin() as conn:
            inserted = self.insert_rows(conn, rows)
            params = [
                {"list_id": list_id, "contact_person_id": cid, "sync_state": state, "reason": CONSENT_REASONS[state]}
                for cid, state, list_id in consent
            ]
            if params:
                conn.execute(self.q("history_mark_members"), params)
        return inserted

    def insert_rows(self, conn: Connection, rows: Sequence[HistoryRow]) -> int:
        """Bulk insert with ``ON CONFLICT DO NOTHING``: COPY through a staging table on PostgreSQL,
        the driver's executemany on SQLite."""
        if not rows:
            return 0
        if self.dialect == "postgresql":
            conn.exec_driver_sql(load_sql("queries/history_create_staging", self.dialect))
            bulk_insert(conn, "contact_history_staging", HistoryRow._fields, rows)
            result = conn.exec_driver_sql(load_sql("queries/history_insert_from_staging", self.dialect))
            conn.exec_driver_sql("DROP TABLE contact_history_staging")
            return int(result.rowcount or 0)
        result = conn.exec_driver_sql(load_sql("queries/history_insert", self.dialect), [tuple(r) for r in rows])
        return int(result.rowcount or 0)

    def advance_watermarks(self, list_ids: Iterable[int], finished_until: int) -> None:
        now = utcnow()
        params = [{"list_id": int(i), "finished_until": int(finished_until), "now": now} for i in list_ids]
        if params:
            with self.engine.begin() as conn:
                conn.execute(self.q("history_advance_watermark"), params)


def params_for_consent(consent: Iterable[tuple[int, str]], list_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """Every (contact, state) on every list the mailing went to."""
    return [(cid, state, list_id) for cid, state in consent for list_id in list_ids]
