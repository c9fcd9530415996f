"""Two tenants, two CleverReach accounts: no request of one tenant ever carries the other's token, and
ids of another tenant in a trigger's params are refused before anything is read or written.

The proof comes from the emulator's request log: every API request is logged with the account its
token belongs to (``client_id``) and a fingerprint of the token. Group ids and mailing ids are unique
across the emulator, so each request path names the account that owns what it touches.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach_emulator.state import token_fingerprint
from helpers.connections import set_cleverreach_connection

pytestmark = pytest.mark.usefixtures("airflow_db")



ACCOUNTS = {"acme": ("acme-client", "acme-secret-1111"), "beta": ("beta-client", "beta-secret-2222")}
GROUPS = {"acme": ["1001", "1002"], "beta": ["2001"]}
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}
SYNC, MANAGE = "cleverreach_sync_recipients", "cleverreach_manage_members"


def seed() -> dict:
    # Both accounts hold the same addresses and ext_ids: a mix-up could not hide behind different data.
    def receivers() -> list[dict]:
        return [{"email": "shared@example.org", "global_attributes": {"ext_id": "1"}},
                {"email": "form@example.org"}]

    return {"accounts": [
        {"client_id": ACCOUNTS[tenant][0], "client_secret": ACCOUNTS[tenant][1],
         "attributes": [{"name": "ext_id", "type": "text"}],
         "groups": [{"id": gid, "name": f"{tenant} {gid}", "receivers": receivers()} for gid in GROUPS[tenant]]}
        for tenant in ACCOUNTS
    ]}


def seed_crm(engine) -> None:
    migrate(engine)
    add_tenants(engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta", "cleverreach_conn_id": "cr_beta"})
    add_addresses(engine, [
        {"id": 10, "tenant_id": "acme", "name": "Apotheke", "category": "Kunde"},
        {"id": 11, "tenant_id": "acme", "name": "Zulieferer", "category": "Lieferant"},
        {"id": 20, "tenant_id": "beta", "name": "Bäckerei", "category": "Kunde"},
    ])
    add_contacts(engine, [
        {"id": 1, "tenant_id": "acme", "address_id": 10, "email": "shared@example.org", "first_name": "Anna"},
        {"id": 2, "tenant_id": "acme", "address_id": 10, "email": "a2@acme.example"},
        {"id": 3, "tenant_id": "acme", "address_id": 11, "email": "a3@acme.example"},
        {"id": 4, "tenant_id": "beta", "address_id": 20, "email": "shared@example.org", "first_name": "Berta"},
        {"id": 5, "tenant_id": "beta", "address_id": 20, "email": "b5@beta.example"},
    ])


@pytest.fixture
def two_accounts(emulator, crm_engine, monkeypatch):
    emulator.client.reset(seed())
    seed_crm(crm_engine)
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, *ACCOUNTS["acme"], **FAST)
    set_cleverreach_connection(monkeypatch, "cr_beta", emulator.url, *ACCOUNTS["beta"], **FAST)
    return emulator


def issued_fingerprints(emulator) -> dict[str, str]:
    """Fingerprint -> client id of every access token the emulator issued (it runs in this process)."""
    with emulator.state.lock:
        return {token_fingerprint(value): tok.account.client_id for value, tok in emulator.state.tokens.items()}


_OWNED_PATH = re.compile(r"^/v3/(?:groups|reports|mailings)/([^/]+)")


def crm_snapshot(engine) -> dict[str, list]:
    return {
        table: sorted(tuple(sorted(row.items(), key=lambda kv: kv[0])) for row in fetch(engine, f"SELECT * FROM {table}"))
        for table in ("recipient_list", "recipient_list_member", "sync_run", "sync_change", "contact_history")
    }


def sync_dag_runs() -> set[str]:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return set(session.scalars(select(DagRun.run_id).where(DagRun.dag_id == SYNC)))


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)  # the request log does not depend on the CRM's dialect
def test_each_tenant_only_ever_uses_its_own_token(two_accounts, crm_engine):
    emulator = two_accounts
    assert run_dag("cleverreach_import_lists").state == "success"
    lists = {(r["tenant_id"], r["external_id"]): r["id"] for r in fetch(crm_engine, "SELECT * FROM recipient_list")}
    assert set(lists) == {("acme", "1001"), ("acme", "1002"), ("beta", "2001")}

    for tenant, group in (("acme", "1001"), ("beta", "2001")):
        added = run_dag(MANAGE, {"tenant": tenant, "list_id": lists[(tenant, group)], "category": "kunde",
                                 "sync_after": False})
        assert added.state == "success", added
    members = fetch(crm_engine, "SELECT list_id, contact_person_id FROM recipient_list_member")
    assert {(m["list_id"], m["contact_person_id"]) for m in members} == {
        (lists[("acme", "1001")], 1), (lists[("acme", "1001")], 2), (lists[("beta", "2001")], 4), (lists[("beta", "2001")], 5),
    }

    synced = run_dag(SYNC)
    assert synced.state == "success", synced
    assert len(synced.returns["sync_list"]) == 3
    for tenant in ACCOUNTS:
        group = GROUPS[tenant][0]
        remote = {r["email"]: r["global_attributes"].get("ext_id", "") for r in emulator.client.group_receivers(group)}
        assert remote["shared@example.org"] == {"acme": "1", "beta": "4"}[tenant]
        emulator.client.send_mailing(ACCOUNTS[tenant][0], [group], name=f"{tenant} news",
                                     opens=["shared@example.org"])
    history = run_dag("cleverreach_sync_mail_history")
    assert history.state == "success", history
    rows = fetch(crm_engine, "SELECT tenant_id, contact_person_id FROM contact_history")
    assert {(r["tenant_id"], r["contact_person_id"]) for r in rows} == {
        ("acme", 1), ("acme", 2), ("beta", 4), ("beta", 5),
    }

    # --- the request log
    log = emulator.client.requests()
    api = [e for e in log if e["path"].startswith("/v3/")]
    token_calls = [e for e in log if e["path"].startswith("/oauth/")]
    assert len(api) > 30 and token_calls
    fingerprints = issued_fingerprints(emulator)
    by_fingerprint: dict[str, set] = defaultdict(set)
    for entry in api:
        assert entry["token_fingerprint"] in fingerprints, f"request without a token we issued: {entry}"
        assert entry["client_id"] == fingerprints[entry["token_fingerprint"]]
        by_fingerprint[entry["token_fingerprint"]].add(entry["client_id"])
    assert all(len(clients) == 1 for clients in by_fingerprint.values()), by_fingerprint
    assert {c for clients in by_fingerprint.values() for c in clients} == {cid for cid, _ in ACCOUNTS.values()}
    assert {e["client_id"] for e in token_calls} == {cid for cid, _ in ACCOUNTS.values()}

    with emulator.state.lock:
        owner = {**{gid: g.account.client_id for gid, g in emulator.state.groups.items()},
                 **{mid: m.account.client_id for mid, m in emulator.state.mailings.items()}}
    touched = defaultdict(set)
    for entry in api:
        match = _OWNED_PATH.match(entry["path"])
        if match:
            assert match.group(1) in owner, entry
            assert entry["client_id"] == owner[match.group(1)], f"{entry['client_id']} touched another account: {entry}"
            touched[entry["client_id"]].add(match.group(1))
        assert entry["status"] < 400 or entry["status"] == 429 or entry["fault"], entry  # no 401/403/404 across accounts
    assert set(GROUPS["acme"]) <= touched[ACCOUNTS["acme"][0]]
    assert set(GROUPS["beta"]) <= touched[ACCOUNTS["beta"][0]]


def test_ids_of_another_tenant_are_refused_before_any_io(two_accounts, crm_engine, capfd, caplog):
    emulator = two_accounts
    with crm_engine.begin() as conn:
        for tenant, gid in (("acme", "1001"), ("beta", "2001")):
            conn.execute(text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                              "VALUES (:t, :g, :n, CURRENT_TIMESTAMP)"), {"t": tenant, "g": gid, "n": f"{tenant} list"})
    lists = {r["tenant_id"]: r["id"] for r in fetch(crm_engine, "SELECT id, tenant_id FROM recipient_list")}
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "VALUES (:a, 1, CURRENT_TIMESTAMP, 'pending'), (:b, 4, CURRENT_TIMESTAMP, 'pending')"),
                     {"a": lists["acme"], "b": lists["beta"]})
    migrate(crm_engine)  # what the DAGs' first task does, so the snapshot below is the state they start from
    before, runs_before = crm_snapshot(crm_engine), sync_dag_runs()
    emulator.client.clear_requests()

    # The sync of tenant acme, with beta's list.
    result = run_dag(SYNC, {"tenant": "acme", "list_id": lists["beta"]})
    runs_before.add(result.run_id)
    assert result.state == "failed"
    assert result.states("resolve_lists") == ["failed"]
    assert result.states("sync_list") in ([], ["upstream_failed"])

    # Members of acme's list, picked by beta's contact ids (alone, and next to a filter that matches acme's own).
    for params in ({"contact_ids": [4, 5]}, {"contact_ids": [1, 4], "category": "Kunde"}):
        result = run_dag(MANAGE, {"tenant": "acme", "list_id": lists["acme"], **params})
        assert result.state == "failed", params
        assert result.states("manage_members") == ["failed"]
        assert "success" not in result.states("trigger_sync")

    output = capfd.readouterr().out + caplog.text
    assert f"recipient list {lists['beta']} does not exist for tenant 'acme'" in output  # refused, nothing revealed
    assert "contact_ids of another tenant: 4, 5" in output and "contact_ids of another tenant: 4." in output
    assert emulator.client.requests() == []  # not a single call to CleverReach, not even a token
    assert crm_snapshot(crm_engine) == before
    assert sync_dag_runs() == runs_before  # no sync was triggered either
