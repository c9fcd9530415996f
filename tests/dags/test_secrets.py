"""Secrets never reach a log, and TLS verification cannot be switched off by accident.

The first test runs every DAG (import, manage members, sync as dry run and for real, mail history)
through Airflow for two tenants with known client secrets and scans everything the task code logged:
file-descriptor output (structlog writes there), every log record at DEBUG, and any task log file
under $AIRFLOW_HOME/logs. The access tokens are taken from the emulator's own token table (it runs in
this process), so the scan looks for the real values, not for a pattern. Log records are scanned as
the code emitted them (caplog sees them before any masking, and ``dag.test()`` does not run Airflow's
secrets masker on its output): the code must never hand a secret to a logger, masking is only a
safety net.

The TLS tests need no network: a recording transport adapter stands in for it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from pathlib import Path

import pytest
import requests
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from scripts.airflow_runner import run_dag

from cleverreach.exceptions import CleverReachConfigError
from cleverreach.hooks.cleverreach import CleverReachHook
from helpers.connections import set_cleverreach_connection

pytestmark = pytest.mark.usefixtures("airflow_db")



ACCOUNTS = {
    "acme": ("acme-client", "acme-S3CRET-7f3a9c1e5b2d"),
    "beta": ("beta-client", "beta-S3CRET-0c4e8a6f2b9d"),
}
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1}


def seed() -> dict:
    accounts = []
    for n, (tenant, (client_id, secret)) in enumerate(ACCOUNTS.items()):
        group = str(1001 + 1000 * n)
        accounts.append({
            "client_id": client_id, "client_secret": secret,
            "attributes": [{"name": "ext_id", "type": "text"}],
            "groups": [{"id": group, "name": f"{tenant} news", "receivers": [
                {"email": f"old@{tenant}.example", "global_attributes": {"ext_id": "999"}},
                {"email": f"form@{tenant}.example"},
            ]}],
        })
    return {"accounts": accounts}


@pytest.fixture
def world(emulator, crm_engine, monkeypatch):
    emulator.client.reset(seed())
    from cleverreach.crm.migrations import migrate

    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME"}, {"id": "beta", "name": "Beta"})
    add_addresses(crm_engine, [
        {"id": 10, "tenant_id": "acme", "name": "Apotheke Acme", "category": "Kunde"},
        {"id": 20, "tenant_id": "beta", "name": "Bäckerei Beta", "category": "Kunde"},
    ])
    add_contacts(crm_engine, [
        {"id": 1, "tenant_id": "acme", "address_id": 10, "email": "anna@acme.example", "first_name": "Anna"},
        {"id": 2, "tenant_id": "acme", "address_id": 10, "email": "bernd@acme.example", "first_name": "Bernd"},
        {"id": 3, "tenant_id": "beta", "address_id": 20, "email": "carla@beta.example", "first_name": "Carla"},
    ])
    for tenant, (client_id, secret) in ACCOUNTS.items():
        set_cleverreach_connection(monkeypatch, f"cleverreach_{tenant}", emulator.url, client_id, secret, **FAST)
    return emulator


def issued_tokens(emulator) -> list[str]:
    """Every access (and refresh) token the emulator issued since the test's reset."""
    state = emulator.state
    with state.lock:
        return list(state.tokens) + list(state.refresh_tokens)


def log_files() -> dict[Path, str]:
    root = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    if not root.exists():
        return {}
    return {p: p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("crm_conn", ["sqlite"], indirect=True)
def test_no_secret_or_token_in_any_log(world, crm_engine, capfd, caplog):
    emulator = world
    caplog.set_level(logging.DEBUG)
    files_before = {p: len(t) for p, t in log_files().items()}

    runs = {
        "import": run_dag("cleverreach_import_lists"),
    }
    lists = {r["tenant_id"]: r["id"] for r in fetch(crm_engine, "SELECT id, tenant_id FROM recipient_list")}
    runs["manage"] = run_dag("cleverreach_manage_members", {
        "tenant": "acme", "list_id": lists["acme"], "category": "Kunde", "sync_after": False,
    })
    from sqlalchemy import text

    with crm_engine.begin() as conn:  # beta's member directly, as the CRM UI would add it
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "VALUES (:l, 3, CURRENT_TIMESTAMP, 'pending')"), {"l": lists["beta"]})
    runs["dry_run"] = run_dag("cleverreach_sync_recipients", {"dry_run": True})
    runs["sync"] = run_dag("cleverreach_sync_recipients")
    for n, (tenant, (client_id, _)) in enumerate(ACCOUNTS.items()):
        group = str(1001 + 1000 * n)
        receivers = [r["email"] for r in emulator.client.group_receivers(group) if r["active"]]
        emulator.client.send_mailing(client_id, [group], name="Herbst", opens=receivers[:1],
                                     clicks=[{"email": e, "link_id": "1"} for e in receivers[:1]],
                                     links=[{"id": "1", "url": "https://shop.example/x"}])
    runs["history"] = run_dag("cleverreach_sync_mail_history")
    assert {name: run.state for name, run in runs.items()} == dict.fromkeys(runs, "success")
    assert runs["sync"].returns["sync_list"] and all(r["added"] >= 1 for r in runs["sync"].returns["sync_list"])

    tokens = issued_tokens(emulator)
    assert len(tokens) >= 2 * 4  # at least one per tenant and run that talks to CleverReach

    captured = capfd.readouterr()
    sources = {"stdout": captured.out, "stderr": captured.err, "caplog": caplog.text,
               "records": "\n".join(_record_text(r) for r in caplog.records)}
    for path, content in log_files().items():
        sources[f"file {path}"] = content[files_before.get(path, 0):]
    print({name: len(text) for name, text in sources.items()})  # noqa: T201 - shows what was scanned

    # The scan sees the task code's logging at all (else it would prove nothing).
    everything = "\n".join(sources.values())
    assert "Obtained a CleverReach access token" in everything
    assert re.search(r"(insert|update) batches 1-1 of", everything)

    secrets = [secret for _, secret in ACCOUNTS.values()]
    basic = [base64.b64encode(f"{cid}:{secret}".encode()).decode() for cid, secret in ACCOUNTS.values()]
    needles = {
        **{f"client secret {s[:4]}…": s for s in secrets},
        **{f"basic auth header {b[:4]}…": b for b in basic},
        **{f"access token …{t[-6:]}": t for t in tokens},
        **{f"token signature …{t[-6:]}": t.rsplit(".", 1)[-1] for t in tokens if "." in t},
    }
    leaks = []
    for source, content in sources.items():
        for what, needle in needles.items():
            if needle in content:
                leaks.append(f"{what} in {source}")
        if re.search(r"Authorization['\"]?\s*[:=]\s*['\"]?(Bearer|Basic)\s", content, re.IGNORECASE):
            leaks.append(f"an Authorization header in {source}")
        for match in re.finditer(r"Bearer\s+(\S+)", content):
            if "***" not in match.group(1):  # "***", or Airflow's JWT redaction "eyJ***"
                leaks.append(f"an unmasked bearer token in {source}: {match.group(0)[:20]}…")
    assert not leaks, leaks


def _record_text(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # a record whose args do not fit its format: scan both raw
        message = f"{record.msg} {record.args}"
    return f"{record.name} {message} {record.exc_text or ''}"


# ---------------------------------------------------------------------- TLS, without any network
class RecordingAdapter(requests.adapters.BaseAdapter):
    """Stands in for the network: records how each request would be sent and answers like CleverReach."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: ANN001
        self.calls.append({"url": request.url, "verify": verify, "proxies": proxies})
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = (b'{"access_token": "tok", "expires_in": 3600}' if "oauth" in request.url else b"true")
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def hook_for(monkeypatch, host: str, **extra) -> CleverReachHook:
    set_cleverreach_connection(monkeypatch, "cleverreach_tls", host, "client", "secret-tls-123", **extra)
    return CleverReachHook("cleverreach_tls")


@pytest.mark.parametrize("host", ["https://rest.cleverreach.com", "rest.cleverreach.com", "https://api.example.com:8443"])
def test_tls_verification_stays_on_for_remote_hosts(monkeypatch, host):
    # Everything that could switch verification off: connection extras and the environment.
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/dev/null")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    for extra in ({"verify": False}, {"verify": "false"}, {"verify_ssl": False}, {"insecure": True}):
        with pytest.raises(CleverReachConfigError):  # refused: unknown, or TLS cannot be switched off
            hook_for(monkeypatch, host, **extra).settings  # noqa: B018 - the property validates
    hook = hook_for(monkeypatch, host)
    assert hook.api_root.startswith("https://")
    assert hook.session.verify is True
    assert hook.session.merge_environment_settings(hook.api_root, {}, None, None, None)["verify"] is True

    adapter = RecordingAdapter()
    hook.session.mount("https://", adapter)
    hook.session.mount("http://", adapter)
    hook.validate_login()
    assert [c["url"].split("?")[0] for c in adapter.calls] == [
        f"{hook.api_root}/oauth/token.php", f"{hook.api_root}/v3/debug/validate",
    ]
    assert all(c["verify"] is True for c in adapter.calls), adapter.calls
    assert all(not c["proxies"] for c in adapter.calls), adapter.calls  # no proxy from the environment


@pytest.mark.parametrize("host", ["http://rest.cleverreach.com", "http://10.0.0.5:8080", "http://api.example.com/"])
def test_plain_http_to_a_remote_host_is_refused(monkeypatch, host):
    hook = hook_for(monkeypatch, host)
    with pytest.raises(CleverReachConfigError, match="plain HTTP"):
        hook.api_root  # noqa: B018 - the property validates
    with pytest.raises(CleverReachConfigError):
        hook.session  # noqa: B018 - refused before a session exists: nothing can be sent
    with pytest.raises(CleverReachConfigError):
        hook.validate_login()


@pytest.mark.parametrize("host", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"])
def test_plain_http_only_to_loopback(monkeypatch, host):
    hook = hook_for(monkeypatch, host)
    assert hook.api_root == host
    assert hook.session.verify is True
