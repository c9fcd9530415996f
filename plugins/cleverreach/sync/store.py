"""The sync's reads and writes on the CRM: members, the run lease, the stored plan, member states, and its
private bookkeeping: the receivers it owns per list and the refusals it remembers. A run's start and finish
are audited in the transaction that writes them (``cleverreach.audit``). List and contact keys are text here
(``cleverreach.crm.keys``): the private state stores the text, a CRM statement gets them in the adapter's types."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Text, TextClause
from sqlalchemy.exc import IntegrityError

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import as_utc, utcnow
from cleverreach.crm.bulk import bulk_insert
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.enums import AuditAction, ChangeAction, ChangeResult, MemberState, RemovalMode
from cleverreach.exceptions import LeaseLostError, SyncInProgressError
from cleverreach.lists.store import ListStore
from cleverreach.sync.diff import REFUSAL_COLUMNS
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.intents import INTENT_COLUMNS
from cleverreach.sync.keys import key_column
from cleverreach.sync.ownership import NOT_DEACTIVATED_BY_US, OWNED_COLUMNS, owned_frame
from cleverreach.sync.plan import SyncPlan
from cleverreach.sync.withdrawn import withdrawn_frame

CHUNK = 1000  # ids per IN list
PLAN_CHUNK = 100_000  # stored plan rows built and written at a time
CHANGE_COLUMNS = ("run_id", "list_id", "contact_person_id", "email", "action", "reason", "old_value", "new_value",
                  "result", "error")
OWNED_TABLE_COLUMNS = ("list_id", "group_id", "email_key", "receiver_id", "contact_person_id", "origin", "since",
                       "our_deactivated")
INTENT_TABLE_COLUMNS = ("list_id", "group_id", "email_key", "contact_person_id", "origin", "sync_run_id", "created_at")
REFUSAL_TABLE_COLUMNS = ("list_id", "contact_person_id", "action", "payload_hash", "reason", "refused_at")


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _read_frame(conn: Connection, statement: TextClause, params: dict[str, Any]) -> pd.DataFrame:
    """What ``pd.read_sql`` returns (the same conversion: ``from_records`` with ``coerce_float``), from the
    driver's plain tuples: pandas converts SQLAlchemy's row objects one by one, a third of a million-row read."""
    result = conn.execute(statement, params)
    try:
        columns = list(result.keys())
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def _values(series: pd.Series) -> list[Any]:
    """A column as Python values, a missing one (None, NaN, NA) as None."""
    return series.astype("object").where(series.notna(), None).tolist()


def _json_objects(columns: dict[str, pd.Series]) -> list[str]:
    """Per row, the JSON object of these columns (key: column name) exactly as :func:`_json` writes it.

    Text values are encoded a column at a time by the encoder ``json.dumps`` itself uses and joined by one
    template: a million rows in about a second instead of a dict and a ``json.dumps`` call each. A column
    with anything but text goes the row-by-row way.
    """
    names = sorted(columns)
    values = [columns[name].tolist() for name in names]
    if not all(type(value) is str for column in values for value in column):
        return [_json(dict(zip(names, row))) for row in zip(*values)]
    template = "{{" + ", ".join(encode_basestring(name) + ": {}" for name in names) + "}}"
    encoded = [[encode_basestring(value) for value in column] for column in values]
    return [template.format(*row) for row in zip(*encoded)]


def change_rows(run_pk: int, list_id: str, plan: SyncPlan, rejected: pd.DataFrame, *,
                removal_mode: str) -> Iterator[list[tuple[Any, ...]]]:
    """The ``sync_change`` rows (``CHANGE_COLUMNS``) of a plan: planned writes, and the members left alone
    with the state they end in as their result. Built column-wise, ``PLAN_CHUNK`` rows at a time: a
    million-row plan is never a million tuples (or JSON texts) at once."""

    def rows(chunk: pd.DataFrame, email: str, action: str | list[str], old: Sequence[Any] | None = None,
             new: Sequence[Any] | None = None, results: Sequence[str] | None = None,
             contact_ids: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        size = len(chunk)
        return list(zip(
            repeat(run_pk, size), repeat(as_key(list_id), size),
            _values(key_column(chunk["contact_person_id"])) if contact_ids is None else contact_ids,
            _values(chunk[email]), repeat(str(action), size) if isinstance(action, str) else action,
            _values(chunk["reason"]), repeat(None, size) if old is None else old, repeat(None, size) if new is None else new,
            repeat(str(ChangeResult.PLANNED), size) if results is None else results, repeat(None, size),
        ))

    def adds(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
        return rows(chunk, "email", ChangeAction.ADD, new=_json_objects({name: chunk[name] for name in ATTRIBUTES}))

    def updates(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
        olds, news = [], []
        for record in chunk.to_dict("records"):  # the changed fields differ per row
            changed = [n for n in ("ext_id", *ATTRIBUTES) if record[n] != record[f"{n}_old"]]
            olds.append(_json({n: record[f"{n}_old"] for n in changed}))
            news.append(_json({n: record[n] for n in changed}))
        return rows(chunk, "email_old", ChangeAction.UPDATE, olds, news)

    def reactivations(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
        return rows(chunk, "email", ChangeAction.REACTIVATE)

    def removals(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
        erase = chunk["erase"].to_numpy(dtype=bool) | ((removal_mode == RemovalMode.DELETE) & ~chunk["deactivate"].to_numpy(dtype=bool))
        actions = np.where(erase, str(ChangeAction.REMOVE), str(ChangeAction.DEACTIVATE)).tolist()
        cids = _values(key_column(chunk["contact_person_id"]))
        return rows(chunk, "email", actions, _json_objects({"ext_id": chunk["ext_id"]}), contact_ids=cids)

    def left_alone(state: MemberState | None, kind: ChangeAction) -> Callable[[pd.DataFrame], list[tuple[Any, ...]]]:
        def build(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
            states = pd.Series(str(state), index=chunk.index) if state else chunk["sync_state"].astype("str")
            results = states.where(states != MemberState.PENDING, str(ChangeResult.REJECTED))
            for value in results.unique():
                ChangeResult(value)  # a state without a result is an error, as before
            emails = chunk["email"].where(chunk["email"].notna() & (chunk["email"] != ""), None)
            return rows(chunk.assign(email=emails), "email", kind, new=_json_objects({"sync_state": states}),
                        results=results.tolist())
        return build

    sections = (
        (plan.adds, adds),
        (plan.updates, updates),
        (plan.reactivations, reactivations),
        (plan.removes.assign(erase=plan.erasing, deactivate=plan.deactivating), removals),
        (rejected, left_alone(MemberState.REJECTED, ChangeAction.REJECT)),
        (plan.refused, left_alone(None, ChangeAction.REJECT)),
        (plan.unsubscribed, left_alone(MemberState.UNSUBSCRIBED, ChangeAction.KEEP)),
        (plan.bounced, left_alone(MemberState.BOUNCED, ChangeAction.KEEP)),
        (plan.unconfirmed, left_alone(MemberState.UNCONFIRMED, ChangeAction.KEEP)),
    )
    for frame, build in sections:
        for start in range(0, len(frame), PLAN_CHUNK):
            yield build(frame.iloc[start : start + PLAN_CHUNK])


class SyncStore(SqlStore):
    """Everything the recipient sync stores in the CRM database."""

    def __init__(self, engine: Engine, lease_timeout: timedelta = timedelta(minutes=10), *, holder: str | None = None,
                 attempt: int | None = None, actor: Actor | None = None) -> None:
        """``holder`` names the task that syncs (DAG, run, task, map index) and ``attempt`` its try number; a
        lease whose holder shows no life for ``lease_timeout`` may be taken over by anyone. ``actor`` is who the
        audit names; without one, the run itself (``run:<dag_id>/<run_id>``)."""
        super().__init__(engine)
        self.lease_timeout = lease_timeout
        self.holder = holder
        self.attempt = attempt
        self.actor = actor

    def who(self, dag_id: str | None, run_id: str | None) -> Actor:
        """The audit's actor: the one given, else the run."""
        return self.actor or Actor.of(None, dag_id, run_id)

    # ------------------------------------------------------------------ members
    def members(self, tenant_id: str, list_id: str) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return _read_frame(conn, self.q("sync_select_members"),
                               {"tenant_id": tenant_id, "list_id": self.keys.bind_list(list_id)})

    # ------------------------------------------------------------------ the run and its lease
    def withdrawn(self, tenant_id: str) -> pd.DataFrame:
        """The tenant's contacts the CRM marks "no marketing", deleted or anonymised (``sync.withdrawn``)."""
        with self.engine.connect() as conn:
            marks = pd.read_sql(self.q("sync_select_withdrawn"), conn, params={"tenant_id": tenant_id})
        return withdrawn_frame(marks)

    def start_run(self, *, tenant_id: str, list_id: str, dag_id: str, run_id: str, dry_run: bool) -> int:
        """
        Open a ``sync_run`` as the list's lease: at most one ``running`` row per list (unique index).

        A running row is taken over (marked ``abandoned``) by a newer attempt of the task that holds it
        (its retry: at once, within the retry delay), or by anyone once its holder has shown no life
        (heartbeat) for the lease timeout; otherwise another sync is under way and this one refuses to
        start. The attempt it was taken from is fenced: its next batch or its finish raises
        :class:`LeaseLostError`.
        """
        now = utcnow()
        list_id = as_key(list_id)
        holder = self.holder or f"{dag_id}/{run_id}"
        taken_over: list[int] = []
        try:
            with self.state.begin() as conn:
                for row in conn.execute(self.q("sync_select_running"), {"list_id": list_id}).mappings().all():
                    if not (self._newer_attempt_of(row, holder) or self._stale(row, now)):
                        raise SyncInProgressError(
                            f"list {list_id} is being synced by sync_run {row['id']} ({row['dag_id']} {row['run_id']}, "
                            f"attempt {row['attempt']}, since {row['started_at']}); try again when it has finished"
                        )
                    conn.execute(
                        self.q("sync_abandon_run"),
                        {"id": row["id"], "now": now, "message": f"abandoned: taken over by {holder} attempt {self.attempt}"},
                    )
                    taken_over.append(int(row["id"]))
                run_pk = int(
                    conn.execute(
                        self.q("sync_insert_run"),
                        {"tenant_id": tenant_id, "list_id": list_id, "dag_id": dag_id, "run_id": run_id, "now": now,
                         "dry_run": dry_run, "lease_holder": holder, "attempt": self.attempt},
                    ).scalar_one()
                )
                AuditStore(self.engine).record(conn, AuditEvent(
                    AuditAction.SYNC_STARTED, tenant_id, self.who(dag_id, run_id), list_id,
                    {"sync_run_id": run_pk, "dry_run": bool(dry_run), "taken_over": taken_over}))
                return run_pk
        except IntegrityError:
            if not self._running(list_id):  # another constraint failed: an error to see, not a busy list
                raise
            raise SyncInProgressError(f"list {list_id} is being synced by another run; try again later") from None

    def _running(self, list_id: str) -> bool:
        """A ``running`` row holds the list's lease now (the unique index refused ours because of it)."""
        with self.state.connect() as conn:
            return bool(conn.execute(self.q("sync_select_running"), {"list_id": list_id}).mappings().all())

    def _newer_attempt_of(self, row: Any, holder: str) -> bool:
        """This attempt is a retry of the one that holds the lease (an unknown attempt counts as newer)."""
        if (row["lease_holder"] or f"{row['dag_id']}/{row['run_id']}") != holder:
            return False
        return self.attempt is None or row["attempt"] is None or self.attempt > int(row["attempt"])

    def _stale(self, row: Any, now: Any) -> bool:
        """The holder has shown no life (heartbeat, else start) for longer than the lease timeout."""
        seen = as_utc(row["heartbeat_at"] or row["started_at"])
        return seen is not None and now - seen > self.lease_timeout

    def heartbeat(self, conn: Any, run_pk: int) -> None:
        """The holder's sign of life; raises :class:`LeaseLostError` when a newer attempt took the lease."""
        if conn.execute(self.q("sync_heartbeat"), {"id": run_pk, "now": utcnow()}).rowcount == 0:
            raise LeaseLostError(f"sync_run {run_pk} was taken over by a newer attempt; this attempt stops")

    def fence(self, run_pk: int) -> None:
        """The fence before a write or during a long read (``sync.fence``): a heartbeat in its own transaction."""
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)

    def finish_run(self, run_pk: int, status: str, counts: dict[str, int], message: str | None) -> None:
        """Close the run and free the lease, audited with its status and counts; :class:`LeaseLostError` when it
        was taken over meanwhile."""
        counted = {k: int(counts.get(k, 0)) for k in ("added", "updated", "removed", "rejected", "unchanged")}
        with self.state.begin() as conn:
            finished = conn.execute(
                self.q("sync_finish_run"),
                {
                    "id": run_pk,
                    "status": status,
                    "now": utcnow(),
                    "message": (message or "")[:4000] or None,
                    **counted,
                },
            ).mappings().first()
            if finished is None:
                raise LeaseLostError(f"sync_run {run_pk} was taken over by a newer attempt; its result is not recorded")
            AuditStore(self.engine).record(conn, AuditEvent(
                AuditAction.SYNC_FINISHED, finished["tenant_id"], self.who(finished["dag_id"], finished["run_id"]),
                finished["list_id"], {"sync_run_id": run_pk, "status": str(status), **counted}))

    # ------------------------------------------------------------------ the stored plan
    def record_plan(self, run_pk: int, list_id: str, plan: SyncPlan, rejected: pd.DataFrame, *, removal_mode: str) -> None:
        """Every planned change with its reason and old/new values; ``result`` says ``planned``.

        Members left alone get a row too (``reject``/``keep``), with the resulting ``sync_state`` as result.
        """
        with self.state.begin() as conn:
            for rows in change_rows(run_pk, list_id, plan, rejected, removal_mode=removal_mode):
                bulk_insert(conn, self.state_table("sync_change"), CHANGE_COLUMNS, rows)

    def record_results(self, run_pk: int, action: str, ok: Sequence[str], failed: Sequence[tuple[str, str]]) -> None:
        """One batch's per-item results on the stored plan, and the lease's heartbeat (the fence: an attempt
        whose lease was taken over stops here, before it records anything)."""
        statement = self.q("sync_mark_changes_ok", emails=Text)
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)
            for chunk in _chunks(ok):
                conn.execute(statement, {"run_id": run_pk, "action": action, "result": "ok", "emails": chunk})
            if failed:
                conn.execute(
                    self.q("sync_mark_change_failed"),
                    [{"run_id": run_pk, "action": action, "email": email, "error": error[:1000]} for email, error in failed],
                )

    # ------------------------------------------------------------------ member states
    def set_member_states(self, list_id: str, contact_ids: Sequence[str], state: str, error: str | None = None) -> None:
        """One state for many members (``synced`` also stamps ``synced_at``)."""
        if not len(contact_ids):
            return
        now = utcnow() if state == "synced" else None
        keys = self.keys
        statement = self.q("sync_set_member_state", contact_ids=keys.contact_sql_type(self.dialect))
        bound_list = keys.bind_list(list_id)
        with self.engine.begin() as conn:
            for chunk in _chunks(keys.bind_contacts(contact_ids)):
                conn.execute(statement, {"list_id": bound_list, "contact_ids": chunk, "sync_state": state,
                                         "synced_at": now, "sync_error": error})

    def set_member_errors(self, list_id: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """Per-member states with their own reasons: (contact key, state, reason)."""
        keys = self.keys
        bound_list = keys.bind_list(list_id)
        params = [{"list_id": bound_list, "contact_person_id": keys.bind_contact(cid), "sync_state": state,
                   "synced_at": None, "sync_error": (reason or "")[:1000]} for cid, state, reason in rows]
        if params:
            with self.engine.begin() as conn:
                conn.execute(self.q("sync_set_member_error"), params)

    def first_sync(self, list_id: str) -> bool:
        """The list has no applied sync that finished with ``success`` (``sync.takeover``: the move from
        hyperspace's interface is taken over until one has)."""
        with self.state.connect() as conn:
            return conn.execute(self.q("sync_select_applied_run"), {"list_id": as_key(list_id), "dry_run": False}).first() is None

    def recent_removals(self, list_id: str) -> list[int]:
        with self.state.connect() as conn:
            return [int(r[0]) for r in conn.execute(self.q("sync_recent_removals"), {"list_id": as_key(list_id), "dry_run": False})]

    def set_alert(self, run_pk: int, alert: str) -> None:
        with self.state.begin() as conn:
            conn.execute(self.q("sync_set_alert"), {"id": run_pk, "alert": alert[:4000]})

    def mark_list_gone(self, tenant_id: str, list_id: str, actor: Actor) -> None:
        ListStore(self.engine).mark_gone(tenant_id, list_id, actor)

    def set_remote_count(self, list_id: str, count: int) -> None:
        ListStore(self.engine).set_remote_count(list_id, count)

    # ------------------------------------------------------------------ the receivers the sync owns
    def owned_receivers(self, list_id: str, group_id: str) -> pd.DataFrame:
        with self.state.connect() as conn:
            rows = _read_frame(conn, self.q("sync_owned_select"), {"list_id": as_key(list_id), "group_id": group_id})
        return owned_frame(rows)

    def save_owned(self, list_id: str, group_id: str, rows: pd.DataFrame, drop_keys: Sequence[str] = ()) -> None:
        """Write owned receivers (``OWNED_COLUMNS``) after deleting ``drop_keys`` and the rows' own keys."""
        rows = owned_frame(rows).drop_duplicates("email_key", keep="last")
        list_id = as_key(list_id)
        now = str(utcnow())
        keys = list(dict.fromkeys([*drop_keys, *rows["email_key"].tolist()]))
        values = list(zip(  # column-wise: a batch of a thousand rows without a dict per row
            repeat(list_id), repeat(group_id), rows["email_key"].tolist(),
            [rid or None for rid in rows["receiver_id"].tolist()],
            [cid or None for cid in rows["contact_person_id"].tolist()],
            rows["origin"].tolist(),
            [now if since is None or pd.isna(since) else str(since) for since in rows["since"].tolist()],
            [None if stamp == NOT_DEACTIVATED_BY_US else stamp for stamp in rows["our_deactivated"].tolist()],
        ))
        statement = self.q("sync_owned_delete", email_keys=Text)
        with self.state.begin() as conn:
            for chunk in _chunks(keys):
                conn.execute(statement, {"list_id": list_id, "email_keys": chunk})
            bulk_insert(conn, self.state_table("sync_owned_receiver"), OWNED_TABLE_COLUMNS, values)

    def forget_owned(self, list_id: str, email_keys: Sequence[str]) -> None:
        statement = self.q("sync_owned_delete", email_keys=Text)
        list_id = as_key(list_id)
        with self.state.begin() as conn:
            for chunk in _chunks(list(email_keys)):
                conn.execute(statement, {"list_id": list_id, "email_keys": chunk})

    # ------------------------------------------------------------------ ownership intents (sync.intents)
    def owner_intents(self, list_id: str, group_id: str) -> pd.DataFrame:
        """The intents earlier runs of the list left behind (``INTENT_COLUMNS``, contact keys as text)."""
        with self.state.connect() as conn:
            rows = _read_frame(conn, self.q("sync_intent_select"), {"list_id": as_key(list_id), "group_id": group_id})
        rows["contact_person_id"] = key_column(rows["contact_person_id"])
        return rows[INTENT_COLUMNS]

    def record_intents(self, run_pk: int, list_id: str, group_id: str, rows: pd.DataFrame) -> None:
        """Record ``INTENT_COLUMNS`` rows before the write that makes them ours, committed at once, behind the
        lease's fence in the same transaction: an attempt that lost its lease records (and writes) nothing."""
        rows = rows.drop_duplicates("email_key", keep="last")
        list_id = as_key(list_id)
        now = str(utcnow())
        values = list(zip(repeat(list_id), repeat(group_id), rows["email_key"].tolist(),
                          [as_key(c) for c in rows["contact_person_id"].tolist()], rows["origin"].astype(str).tolist(),
                          repeat(run_pk), repeat(now)))
        statement = self.q("sync_intent_delete", email_keys=Text)
        with self.state.begin() as conn:
            self.heartbeat(conn, run_pk)
            for chunk in _chunks(rows["email_key"].tolist()):
                conn.execute(statement, {"list_id": list_id, "email_keys": chunk})
            bulk_insert(conn, self.state_table("sync_owner_intent"), INTENT_TABLE_COLUMNS, values)

    def forget_intents(self, list_id: str, email_keys: Sequence[str], run_pk: int | None = None) -> None:
        """Delete settled intents: with ``run_pk``, that run's own (its batch's ownership is saved); without,
        any run's (the next run resolved them)."""
        if not len(email_keys):
            return
        statement = self.q("sync_intent_delete" if run_pk is None else "sync_intent_delete_own", email_keys=Text)
        scope = {"list_id": as_key(list_id)} if run_pk is None else {"list_id": as_key(list_id), "run_id": run_pk}
        with self.state.begin() as conn:
            for chunk in _chunks(list(email_keys)):
                conn.execute(statement, {**scope, "email_keys": chunk})

    # ------------------------------------------------------------------ remembered refusals
    def refusals(self, list_id: str) -> pd.DataFrame:
        with self.state.connect() as conn:
            rows = pd.read_sql(self.q("sync_refusals_select"), conn, params={"list_id": as_key(list_id)})
        rows["contact_person_id"] = key_column(rows["contact_person_id"])
        return rows[REFUSAL_COLUMNS]

    def remember_refusals(self, list_id: str, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(contact key, action, payload hash, reason) per refused member; replaces an older refusal."""
        if not rows:
            return
        now = str(utcnow())
        list_id = as_key(list_id)
        self.forget_refusals(list_id, [cid for cid, *_ in rows])
        with self.state.begin() as conn:
            bulk_insert(conn, self.state_table("sync_refusal"), REFUSAL_TABLE_COLUMNS,
                        [(list_id, as_key(cid), str(action), str(digest), (reason or "")[:1000], now)
                         for cid, action, digest, reason in rows])

    def forget_refusals(self, list_id: str, contact_ids: Sequence[str]) -> None:
        if not len(contact_ids):
            return
        statement = self.q("sync_refusals_delete", contact_ids=Text)
        with self.state.begin() as conn:
            for chunk in _chunks([as_key(c) for c in contact_ids]):
                conn.execute(statement, {"list_id": as_key(list_id), "contact_ids": chunk})
