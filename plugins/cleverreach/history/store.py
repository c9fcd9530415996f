"""The mail-history load's reads and writes: the CRM's contacts, lists and history (the adapter's SQL),
the watermarks and the per-mailing records (the package's private SQL), with a bulk path per dialect."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, Text

from cleverreach.crm.bulk import bulk_insert
from cleverreach.crm.keys import as_key
from cleverreach.crm.sql import load_sql
from cleverreach.clock import utcnow
from cleverreach.crm.store import SqlStore
from cleverreach.enums import MemberState
from cleverreach.history.events import Consent, ContactIndex, HistoryRow, Mailing
from cleverreach.history.plan import MailingRecord

CONSENT_STATES = {"unsubscribed": MemberState.UNSUBSCRIBED, "bounced": MemberState.BOUNCED}
INSERT_CHUNK = 50_000  # history rows bound and sent to the CRM at once
CONSENT_REASONS = {
    MemberState.UNSUBSCRIBED: "unsubscribed in CleverReach (mail report)",
    MemberState.BOUNCED: "bounced in CleverReach (mail report)",
}


class HistoryStore(SqlStore):
    """Contacts, lists, watermarks and per-mailing records of a tenant; bulk history rows."""

    # ------------------------------------------------------------------ reads
    def lists(self, tenant_id: str) -> list[dict]:
        """The tenant's lists: ``list_id``, ``external_id`` (group id) and ``finished_until`` (None = never)."""
        with self.engine.connect() as conn:
            lists = self._rows(conn, "history_select_lists", tenant_id=tenant_id)
        ids = [as_key(row["list_id"]) for row in lists]  # the private state keys lists by their text
        with self.state.connect() as conn:
            marks = {as_key(row["list_id"]): row["finished_until"]
                     for row in conn.execute(self.q("history_select_watermarks", list_ids=Text), {"list_ids": ids}).mappings()}
        return [{**row, "finished_until": marks.get(as_key(row["list_id"]))} for row in lists]

    def contacts(self, tenant_id: str) -> ContactIndex:
        with self.engine.connect() as conn:
            found = conn.execute(self.q("history_select_contacts"), {"tenant_id": tenant_id})
            return ContactIndex((row[0], row[1]) for row in found)

    def mailing_records(self, tenant_id: str) -> dict[str, MailingRecord]:
        with self.state.connect() as conn:
            return {
                str(row["mailing_id"]): _record(row)
                for row in self._rows(conn, "history_select_mailings", tenant_id=tenant_id)
            }

    def failed_mailings(self, tenant_id: str) -> list[MailingRecord]:
        """The mailings whose last read failed, oldest first."""
        with self.state.connect() as conn:
            return [_record(row) for row in self._rows(conn, "history_select_failed_mailings", tenant_id=tenant_id)]

    # ------------------------------------------------------------------ writes
    def save(
        self,
        rows: Sequence[HistoryRow],
        consent: Iterable[tuple[str, MemberState, str]] = (),
        *,
        read: tuple[str, Mailing, int, int] | None = None,
    ) -> int:
        """Insert rows (duplicates ignored), mark members and record the mailing as read (``read`` =
        tenant, mailing, read time, receivers that matched no contact), in one transaction; returns the
        rows inserted."""
        with self.crm_then_state() as (conn, state):
            inserted = self.insert_rows(conn, rows)
            keys = self.keys
            params = [
                {"list_id": keys.bind_list(list_id), "contact_person_id": keys.bind_contact(cid), "sync_state": state,
                 "reason": CONSENT_REASONS[state]}
                for cid, state, list_id in consent
            ]
            if params:
                conn.execute(self.q("history_mark_members"), params)
            if read is not None:
                tenant_id, mailing, read_at, unmatched = read
                params = _mailing_params(tenant_id, mailing.id, mailing.finished)
                state.execute(self.q("history_record_read"), {**params, "read_at": read_at, "unmatched": unmatched})
        return inserted

    def record_failure(self, tenant_id: str, mailing: Mailing, error_class: str) -> None:
        params = _mailing_params(tenant_id, mailing.id, mailing.finished)
        with self.state.begin() as conn:
            conn.execute(self.q("history_record_failure"), {**params, "error_class": error_class})

    def forget_failure(self, tenant_id: str, record: MailingRecord) -> None:
        """A failed mailing that CleverReach no longer lists (deleted): it no longer holds the watermarks.
        Should it come back, it is read in full."""
        params = _mailing_params(tenant_id, record.mailing_id, record.finished)
        with self.state.begin() as conn:
            conn.execute(self.q("history_record_read"), {**params, "read_at": None, "unmatched": 0})

    def insert_rows(self, conn: Connection, rows: Sequence[HistoryRow]) -> int:
        """Bulk insert with ``ON CONFLICT DO NOTHING``: COPY through a staging table on PostgreSQL,
        the driver's executemany on SQLite; in chunks of :data:`INSERT_CHUNK`, so that the bound keys, the
        parameters (or the COPY's text) of a million rows never exist at once."""
        if not rows:
            return 0
        if self.dialect == "postgresql":
            conn.exec_driver_sql(load_sql("queries/history_create_staging", self.dialect))
            for chunk in _chunks(rows):
                bound = self.keys.bind_contacts([row[1] for row in chunk])  # the CRM's type, a chunk at once
                chunk = [row._replace(contact_person_id=cid) for row, cid in zip(chunk, bound)]
                bulk_insert(conn, "contact_history_staging", HistoryRow._fields, chunk)
            result = conn.exec_driver_sql(load_sql("queries/history_insert_from_staging", self.dialect))
            conn.exec_driver_sql("DROP TABLE contact_history_staging")
            return int(result.rowcount or 0)
        sql = load_sql("queries/history_insert", self.dialect)
        # The time as the text sqlite3's (deprecated) default adapter writes, without its warning per row;
        # once per distinct time (rows of one read share their datetime objects).
        times: dict[datetime, str] = {}
        inserted = 0
        for chunk in _chunks(rows):
            bound = self.keys.bind_contacts([row[1] for row in chunk])
            params = []
            for (tenant, _, at, kind, subject, detail, source, key), cid in zip(chunk, bound):
                text = times.get(at)
                if text is None:
                    text = times[at] = at.isoformat(" ")
                params.append((tenant, cid, text, kind, subject, detail, source, key))
            inserted += int(conn.exec_driver_sql(sql, params).rowcount or 0)
        return inserted

    def advance_watermarks(self, list_ids: Iterable[str], finished_until: int) -> None:
        now = utcnow()
        params = [{"list_id": as_key(i), "finished_until": int(finished_until), "now": now} for i in list_ids]
        if params:
            with self.state.begin() as conn:
                conn.execute(self.q("history_advance_watermark"), params)


def _chunks(rows: Sequence[HistoryRow]) -> Iterator[Sequence[HistoryRow]]:
    for start in range(0, len(rows), INSERT_CHUNK):
        yield rows[start:start + INSERT_CHUNK]


def _record(row: Mapping) -> MailingRecord:
    read_at = row["read_at"]
    return MailingRecord(str(row["mailing_id"]), int(row["finished"]), None if read_at is None else int(read_at),
                         int(row["failures"] or 0), row["error_class"], int(row["unmatched"] or 0))


def _mailing_params(tenant_id: str, mailing_id: str, finished: int) -> dict:
    return {"tenant_id": tenant_id, "mailing_id": mailing_id, "finished": finished, "now": utcnow()}


def params_for_consent(
    consent: Iterable[Consent], mailing_lists: Sequence[str], tenant_lists: Mapping[str, str]
) -> list[tuple[str, MemberState, str]]:
    """(contact, member state, list) to mark. An unsubscribe marks only the list of the group it names
    (nothing when that group is not an imported list); a bounce concerns the address, so every list
    the mailing went to."""
    marks: set[tuple[str, MemberState, str]] = set()
    for item in consent:
        state = CONSENT_STATES[item.state]
        if item.group_id is None:
            marks.update((item.contact_id, state, list_id) for list_id in mailing_lists)
        elif item.group_id in tenant_lists:
            marks.add((item.contact_id, state, tenant_lists[item.group_id]))
    return sorted(marks)
