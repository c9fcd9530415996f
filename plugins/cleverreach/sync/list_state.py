"""What a sync keeps about one list, bound to its :class:`~cleverreach.lists.target.ListTarget`: the list's
members and their states, the receivers the sync owns in the list's group and the intents to own more
(``sync.intents``), the refusals it remembers, whether the list had its first sync, and the list's marks.

Built once per run with the target: no call names the list or its group again. List and contact keys are
text here (``cleverreach.crm.keys``): the private state stores the text, a CRM statement gets them in the
adapter's types. The run itself (lease, stored plan, results) is the ledger's (``sync.ledger``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

import pandas as pd
from sqlalchemy import Connection, Engine, Text

from cleverreach.audit.actor import Actor
from cleverreach.clock import utcnow
from cleverreach.crm.bulk import bulk_insert, replaces_in_place
from cleverreach.crm.in_list import execute_in
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.lists.store import ListStore
from cleverreach.lists.target import ListTarget
from cleverreach.sync.diff import REFUSAL_COLUMNS
from cleverreach.sync.frames import chunks, read_frame
from cleverreach.sync.intents import INTENT_COLUMNS
from cleverreach.sync.keys import key_column
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, owned_frame
from cleverreach.sync.withdrawn import withdrawn_frame

OWNED_TABLE_COLUMNS = ("list_id", "group_id", "email_key", "receiver_id", "contact_person_id", "origin", "since",
                       "our_deactivated")
INTENT_TABLE_COLUMNS = ("list_id", "group_id", "email_key", "contact_person_id", "origin", "sync_run_id", "created_at")
OWNED_KEY = INTENT_KEY = ("list_id", "email_key")  # the primary keys of both tables
REFUSAL_TABLE_COLUMNS = ("list_id", "contact_person_id", "action", "payload_hash", "reason", "refused_at")


@dataclass(frozen=True)
class ListRecord:
    """What the sync keeps about the list, read at once for a plan (``ListState.record``)."""

    owned: pd.DataFrame  # the receivers it owns (``OWNED_COLUMNS``)
    intents: pd.DataFrame  # earlier runs' ownership intents (``INTENT_COLUMNS``)
    refusals: pd.DataFrame  # the refusals it remembers (``REFUSAL_COLUMNS``)
    withdrawn: pd.DataFrame  # the tenant's withdrawn contacts (``sync.withdrawn``)
    first_sync: bool  # no applied run of the list has succeeded yet (``sync.takeover``)


class ListState(SqlStore):
    """One list's members, ownership record, intents and refusals."""

    def __init__(self, engine: Engine, target: ListTarget) -> None:
        super().__init__(engine)
        self.target = target
        self.list_id = target.list_id
        self.group_id = target.group_id

    def record(self) -> ListRecord:
        """Everything a plan needs besides the members and the group: nothing else writes it while the run
        holds the list's lease."""
        return ListRecord(self.owned_receivers(), self.owner_intents(), self.refusals(), self.withdrawn(),
                          self.first_sync())

    # ------------------------------------------------------------------ the list in the CRM
    def members(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return read_frame(conn, self.q("sync_select_members"),
                              {"tenant_id": self.target.tenant_id, "list_id": self.keys.bind_list(self.list_id)},
                              columnar=True)

    def member_marks(self) -> pd.DataFrame:
        """Every member's key, state and times: what a changes-only sync decides by (``sync.scope``)."""
        with self.engine.connect() as conn:
            return read_frame(conn, self.q("sync_select_member_marks"),
                              {"tenant_id": self.target.tenant_id, "list_id": self.keys.bind_list(self.list_id)},
                              columnar=True)

    def members_named(self, contact_ids: Sequence[str]) -> pd.DataFrame:
        """The members among ``contact_ids`` as :meth:`members` reads a whole list, in key order."""
        keys = self.keys
        statement = self.q("sync_select_members_by_id", contact_ids=keys.contact_sql_type(self.dialect))
        params = {"tenant_id": self.target.tenant_id, "list_id": keys.bind_list(self.list_id)}
        with self.engine.connect() as conn:
            parts = [read_frame(conn, statement, {**params, "contact_ids": chunk})
                     for chunk in chunks(sorted(keys.bind_contacts(contact_ids)))]
        if not parts:
            with self.engine.connect() as conn:  # the columns, no rows
                return read_frame(conn, statement, {**params, "contact_ids": []})
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def remote_count(self) -> int | None:
        """The group's receiver count as the list last recorded it."""
        count = ListStore(self.engine).owned_list(self.target.tenant_id, self.list_id).get("remote_member_count")
        return None if count is None else int(count)

    def withdrawn(self) -> pd.DataFrame:
        """The tenant's contacts the CRM marks "no marketing", deleted or anonymised (``sync.withdrawn``)."""
        with self.engine.connect() as conn:
            marks = pd.read_sql(self.q("sync_select_withdrawn"), conn, params={"tenant_id": self.target.tenant_id})
        return withdrawn_frame(marks)

    def first_sync(self) -> bool:
        """The list has no applied sync that finished with ``success`` (``sync.takeover``: the move from
        hyperspace's interface is taken over until one has)."""
        with self.state.connect() as conn:
            return conn.execute(self.q("sync_select_applied_run"), {"list_id": self.list_id, "dry_run": False}).first() is None

    def mark_list_gone(self, actor: Actor) -> None:
        ListStore(self.engine).mark_gone(self.target.tenant_id, self.list_id, actor)

    def set_remote_count(self, count: int) -> None:
        ListStore(self.engine).set_remote_count(self.list_id, count)

    # ------------------------------------------------------------------ member states
    def set_member_states(self, contact_ids: Sequence[str], state: str, error: str | None = None) -> None:
        """One state for many members (``synced`` also stamps ``synced_at``), in key order: neighbouring rows
        are written together."""
        if not len(contact_ids):
            return
        now = utcnow() if state == "synced" else None
        keys = self.keys
        statement, key_type = self.q("sync_set_member_state"), keys.contact_sql_type(self.dialect)
        params = {"list_id": keys.bind_list(self.list_id), "sync_state": state, "synced_at": now, "sync_error": error}
        with self.engine.begin() as conn:
            for chunk in chunks(sorted(keys.bind_contacts(contact_ids))):
                execute_in(conn, statement, params, "contact_ids", chunk, key_type)

    def set_member_errors(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Per-member states with their own reasons: (contact key, state, reason)."""
        keys = self.keys
        bound_list = keys.bind_list(self.list_id)
        params = [{"list_id": bound_list, "contact_person_id": keys.bind_contact(cid), "sync_state": state,
                   "synced_at": None, "sync_error": (reason or "")[:1000]} for cid, state, reason in rows]
        if params:
            with self.engine.begin() as conn:
                conn.execute(self.q("sync_set_member_error"), params)

    # ------------------------------------------------------------------ the receivers the sync owns
    def owned_receivers(self) -> pd.DataFrame:
        with self.state.connect() as conn:
            rows = read_frame(conn, self.q("sync_owned_select"), {"list_id": self.list_id, "group_id": self.group_id},
                              columnar=True)
        return owned_frame(rows)

    def save_owned(self, rows: pd.DataFrame, drop_keys: Sequence[str] = (), *, new: bool = False) -> None:
        """Write owned receivers (``OWNED_COLUMNS``) after deleting ``drop_keys`` and the rows' own keys.

        A row keeps the ``since`` stored for its receiver (or, without a receiver id, its e-mail key): a plan
        does not read it (a million timestamps). ``new``: the rows are receivers just created or adopted, owned
        since now (no lookup)."""
        rows = owned_frame(rows).drop_duplicates("email_key", keep="last")
        now = str(utcnow())
        keys = list(dict.fromkeys([*drop_keys, *rows["email_key"].tolist()]))
        with self.state.begin() as conn:
            since = [now] * len(rows) if new else self._kept_since(conn, rows, keys, now)
            values = list(zip(  # column-wise: a batch of a thousand rows without a dict per row
                repeat(self.list_id), repeat(self.group_id), rows["email_key"].tolist(),
                [rid or None for rid in rows["receiver_id"].tolist()],
                [cid or None for cid in rows["contact_person_id"].tolist()],
                rows["origin"].tolist(), since,
                [None if stamp == NOT_DEACTIVATED_BY_US else stamp for stamp in rows["our_deactivated"].tolist()],
            ))
            in_place = replaces_in_place(conn)  # the rows' own keys are replaced by the insert itself
            self._forget_owned(conn, list(dict.fromkeys(drop_keys)) if in_place else keys)
            bulk_insert(conn, self.state_table("sync_owned_receiver"), OWNED_TABLE_COLUMNS, values, replace=in_place,
                        key=OWNED_KEY)

    def _kept_since(self, conn: Connection, rows: pd.DataFrame, keys: Sequence[str], now: str) -> list[str]:
        """Per row, the ``since`` stored under its receiver id, else under its e-mail key, else ``now``."""
        by_receiver: dict[str, str] = {}
        by_key: dict[str, str] = {}
        statement = self.q("sync_owned_since", email_keys=Text)
        for chunk in chunks(list(keys)):
            for email_key, receiver_id, since in conn.execute(statement, {"list_id": self.list_id, "email_keys": chunk}):
                if since is not None:
                    by_key[email_key] = str(since)
                    if receiver_id:
                        by_receiver[receiver_id] = str(since)
        return [by_receiver.get(rid) or by_key.get(key) or now
                for rid, key in zip(rows["receiver_id"].tolist(), rows["email_key"].tolist())]

    def forget_owned(self, email_keys: Sequence[str]) -> None:
        with self.state.begin() as conn:
            self._forget_owned(conn, email_keys)

    def _forget_owned(self, conn: Connection, email_keys: Sequence[str]) -> None:
        statement = self.q("sync_owned_delete")
        for chunk in chunks(list(email_keys)):
            execute_in(conn, statement, {"list_id": self.list_id}, "email_keys", chunk, Text)

    # ------------------------------------------------------------------ contacts others' receivers name (sync.scope)
    def foreign_ext_ids(self) -> set[str]:
        """The contact keys that receivers not owned by this sync carried as ext_id at the last full reconciliation."""
        with self.state.connect() as conn:
            return {str(row[0]) for row in conn.execute(self.q("sync_foreign_select"), {"list_id": self.list_id})}

    def save_foreign_ext_ids(self, contact_ids: Sequence[str]) -> None:
        """Replace them with what a full reconciliation found."""
        with self.state.begin() as conn:
            conn.execute(self.q("sync_foreign_delete"), {"list_id": self.list_id})
            if len(contact_ids):
                bulk_insert(conn, self.state_table("sync_foreign_ext_id"), ("list_id", "contact_person_id"),
                            [(self.list_id, cid) for cid in dict.fromkeys(contact_ids)])

    # ------------------------------------------------------------------ ownership intents (sync.intents)
    def owner_intents(self) -> pd.DataFrame:
        """The intents earlier runs of the list left behind (``INTENT_COLUMNS``, contact keys as text)."""
        with self.state.connect() as conn:
            rows = read_frame(conn, self.q("sync_intent_select"), {"list_id": self.list_id, "group_id": self.group_id})
        rows["contact_person_id"] = key_column(rows["contact_person_id"])
        return rows[INTENT_COLUMNS]

    def record_intents(self, rows: pd.DataFrame, *, run_pk: int, fence: Callable[[Connection, int], None]) -> None:
        """Record ``INTENT_COLUMNS`` rows before the write that makes them ours, committed at once, behind the
        lease's fence (``fence(conn, run_pk)``, the ledger's heartbeat) in the same transaction: an attempt that
        lost its lease records (and writes) nothing."""
        rows = rows.drop_duplicates("email_key", keep="last")
        now = str(utcnow())
        values = list(zip(repeat(self.list_id), repeat(self.group_id), rows["email_key"].tolist(),
                          key_column(rows["contact_person_id"]).tolist(), rows["origin"].astype(str).tolist(),
                          repeat(run_pk), repeat(now)))
        with self.state.begin() as conn:
            fence(conn, run_pk)
            in_place = replaces_in_place(conn)  # an earlier intent for the same address is replaced by the insert
            if not in_place:
                self._forget_intents(conn, rows["email_key"].tolist())
            bulk_insert(conn, self.state_table("sync_owner_intent"), INTENT_TABLE_COLUMNS, values, replace=in_place,
                        key=INTENT_KEY)

    def forget_intents(self, email_keys: Sequence[str]) -> None:
        """Delete intents any run left, by address key: the next run resolved them (``sync.intents``)."""
        if not len(email_keys):
            return
        with self.state.begin() as conn:
            self._forget_intents(conn, email_keys)

    def forget_run_intents(self, run_pk: int) -> None:
        """Delete run ``run_pk``'s own intents, once the ownership of every batch it sent is saved: one statement
        per kind of write, not one per batch (an intent that outlives the ownership it stands for is harmless: the
        next run finds the receiver owned already)."""
        with self.state.begin() as conn:
            conn.execute(self.q("sync_intent_delete_run"), {"list_id": self.list_id, "run_id": run_pk})

    def _forget_intents(self, conn: Connection, email_keys: Sequence[str]) -> None:
        statement = self.q("sync_intent_delete")
        for chunk in chunks(list(email_keys)):
            execute_in(conn, statement, {"list_id": self.list_id}, "email_keys", chunk, Text)

    # ------------------------------------------------------------------ remembered refusals
    def refusals(self) -> pd.DataFrame:
        with self.state.connect() as conn:
            rows = pd.read_sql(self.q("sync_refusals_select"), conn, params={"list_id": self.list_id})
        rows["contact_person_id"] = key_column(rows["contact_person_id"])
        return rows[REFUSAL_COLUMNS]

    def remember_refusals(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(contact key, action, payload hash, reason) per refused member; replaces an older refusal."""
        if not rows:
            return
        now = str(utcnow())
        self.forget_refusals([cid for cid, *_ in rows])
        with self.state.begin() as conn:
            bulk_insert(conn, self.state_table("sync_refusal"), REFUSAL_TABLE_COLUMNS,
                        [(self.list_id, as_key(cid), str(action), str(digest), (reason or "")[:1000], now)
                         for cid, action, digest, reason in rows])

    def forget_refusals(self, contact_ids: Sequence[str]) -> None:
        if not len(contact_ids):
            return
        statement = self.q("sync_refusals_delete", contact_ids=Text)
        with self.state.begin() as conn:
            for chunk in chunks([as_key(c) for c in contact_ids]):
                conn.execute(statement, {"list_id": self.list_id, "contact_ids": chunk})
