"""state/0004: the private state's list and contact keys become text, every row kept, an integer becoming its
decimal text, on both databases; written by the schema before it (state/0001-0003) and migrated in place."""

from __future__ import annotations

import pytest
from helpers.crm_seed import fetch
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from cleverreach.crm import migrations
from cleverreach.crm.migrations import migrate
from cleverreach.crm.state import state_engine_of, state_schema_of

KEY_COLUMNS = {
    "sync_run": ["list_id"],
    "sync_change": ["list_id", "contact_person_id"],
    "sync_owned_receiver": ["list_id", "contact_person_id"],
    "sync_refusal": ["list_id", "contact_person_id"],
    "mail_history_watermark": ["list_id"],
    "audit_event": ["list_id"],
}
BIG = 3_000_000_000  # above 2^31: an integer column of the old schema held it on SQLite and in bigint arithmetic


def _name(state: Engine, table: str) -> str:
    schema = state_schema_of(state)
    return f"{schema}.{table}" if schema else table


def _migrate_before_0004(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = migrations.available_migrations
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "available_migrations", lambda folder="state": [m for m in chain(folder) if m[0] < "0004"])
        assert migrate(engine)[-1] == "state/0003"


def _old_rows(state: Engine) -> None:
    """Rows as release 0.2 wrote them: integer keys (a small list id, contact ids 7 and one above 2^31 where the
    column takes it), a running lease and a plan row referencing its run."""
    contact = BIG if state.dialect.name == "sqlite" else 7
    with state.begin() as conn:
        n = lambda t: _name(state, t)  # noqa: E731
        conn.execute(text(f"INSERT INTO {n('sync_run')} (id, tenant_id, list_id, started_at, status) VALUES "
                          "(5, 'a', 41, CURRENT_TIMESTAMP, 'success'), (6, 'a', 42, CURRENT_TIMESTAMP, 'running')"))
        conn.execute(text(f"INSERT INTO {n('sync_change')} (run_id, list_id, contact_person_id, email, action) "
                          "VALUES (5, 41, :c, 'x@example.org', 'add'), (5, 41, NULL, 'y@example.org', 'remove')"),
                     {"c": contact})
        conn.execute(text(f"INSERT INTO {n('sync_owned_receiver')} (list_id, group_id, email_key, receiver_id, "
                          "contact_person_id, origin, since) VALUES (41, '9', 'x@example.org', 'r1', :c, 'created', "
                          "CURRENT_TIMESTAMP)"), {"c": contact})
        conn.execute(text(f"INSERT INTO {n('sync_refusal')} (list_id, contact_person_id, action, payload_hash, refused_at) "
                          "VALUES (41, :c, 'add', 'h', CURRENT_TIMESTAMP)"), {"c": contact})
        conn.execute(text(f"INSERT INTO {n('mail_history_watermark')} (list_id, finished_until, updated_at) "
                          "VALUES (41, 1700000000, CURRENT_TIMESTAMP)"))
        conn.execute(text(f"INSERT INTO {n('audit_event')} (occurred_at, tenant_id, list_id, actor, action) "
                          "VALUES (CURRENT_TIMESTAMP, 'a', 41, 'user:x', 'members_added'), "
                          "(CURRENT_TIMESTAMP, 'a', NULL, 'user:x', 'access_granted')"))


def test_0004_turns_every_key_into_its_decimal_text_and_keeps_every_row(crm_engine, monkeypatch):
    _migrate_before_0004(crm_engine, monkeypatch)
    state = state_engine_of(crm_engine)
    _old_rows(state)
    assert migrate(crm_engine)[0] == "state/0004"  # and the later ones, which keep what it made
    contact = str(BIG) if state.dialect.name == "sqlite" else "7"

    schema = state_schema_of(state)
    for table, columns in KEY_COLUMNS.items():
        types = {c["name"]: str(c["type"]).upper() for c in inspect(state).get_columns(table, schema=schema)}
        assert all(types[c] == "TEXT" for c in columns), (table, types)
    q = lambda sql: fetch(state, sql.format(**{t: _name(state, t) for t in [*KEY_COLUMNS]}))  # noqa: E731
    assert [(r["id"], r["list_id"]) for r in q("SELECT id, list_id FROM {sync_run} ORDER BY id")] == [(5, "41"), (6, "42")]
    assert [(r["run_id"], r["list_id"], r["contact_person_id"]) for r in
            q("SELECT run_id, list_id, contact_person_id FROM {sync_change} ORDER BY id")] == [(5, "41", contact), (5, "41", None)]
    assert [(r["list_id"], r["contact_person_id"], r["receiver_id"]) for r in
            q("SELECT * FROM {sync_owned_receiver}")] == [("41", contact, "r1")]
    assert [(r["list_id"], r["contact_person_id"]) for r in q("SELECT * FROM {sync_refusal}")] == [("41", contact)]
    assert [(r["list_id"], r["finished_until"]) for r in q("SELECT * FROM {mail_history_watermark}")] == [("41", 1700000000)]
    assert [r["list_id"] for r in q("SELECT list_id FROM {audit_event} ORDER BY id")] == ["41", None]

    # text keys of any shape now, kept as written ('0042' is not 42)
    with state.begin() as conn:
        conn.execute(text(f"INSERT INTO {_name(state, 'sync_owned_receiver')} (list_id, group_id, email_key, "
                          "contact_person_id, origin, since) VALUES ('0042', '9', 'u@example.org', "
                          "'8f14e45f-ceea-467f-a0e6-7b1a1b2e9d10', 'adopted', CURRENT_TIMESTAMP)"))
    assert q("SELECT list_id FROM {sync_owned_receiver} WHERE email_key = 'u@example.org'")[0]["list_id"] == "0042"

    # the lease's partial unique index: a second running sync of list '42' is refused, '41' may start
    insert = text(f"INSERT INTO {_name(state, 'sync_run')} (tenant_id, list_id, started_at, status) "
                  "VALUES ('a', :l, CURRENT_TIMESTAMP, 'running')")
    with pytest.raises(IntegrityError), state.begin() as conn:
        conn.execute(insert, {"l": "42"})
    with state.begin() as conn:
        conn.execute(insert, {"l": "41"})
    # sync_change still references sync_run
    with pytest.raises(IntegrityError), state.begin() as conn:
        conn.execute(text(f"INSERT INTO {_name(state, 'sync_change')} (run_id, action) VALUES (999, 'add')"))
    fks = inspect(state).get_foreign_keys("sync_change", schema=schema)
    assert [(fk["referred_table"], fk["constrained_columns"]) for fk in fks] == [("sync_run", ["run_id"])]
    indexes = {i["name"] for t in KEY_COLUMNS for i in inspect(state).get_indexes(t, schema=schema)}
    assert {"sync_run_list_idx", "sync_run_one_running_per_list", "sync_change_run_email_idx",
            "audit_event_tenant_idx", "audit_event_list_idx"} <= indexes
    assert "sync_change_run_idx" not in indexes  # rebuilt by 0004, dropped by 0012 (the run_email index covers it)
    assert migrate(crm_engine) == []
