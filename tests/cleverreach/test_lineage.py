"""Hook lineage: which calls name which datasets, the namespace, no personal data, and a real hook on the emulator."""

from __future__ import annotations

import pytest
from airflow.sdk import Asset
from airflow.sdk.lineage import HookLineageCollector

import cleverreach.lineage as lineage
from cleverreach.lineage import INPUT, OUTPUT, dataset_of, namespace_of, record_call, to_openlineage

CLIENT_ID, SECRET = "acme-client", "acme-secret-0123456789"


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("GET", "groups/1001/receivers", (INPUT, "groups/1001/receivers")),
    ("get", "/groups/1001/receivers/", (INPUT, "groups/1001/receivers")),
    ("POST", "groups/1001/receivers/insert", (OUTPUT, "groups/1001/receivers")),
    ("POST", "groups/1001/receivers/upsert", (OUTPUT, "groups/1001/receivers")),
    ("POST", "groups/1001/receivers/delete", (OUTPUT, "groups/1001/receivers")),
    ("PUT", "groups/1001/receivers/77/deactivate", (OUTPUT, "groups/1001/receivers")),
    ("PUT", "groups/1001/receivers/77/activate", (OUTPUT, "groups/1001/receivers")),
    ("GET", "reports/501/receivers/opened", (INPUT, "reports/501")),
    ("GET", "reports/501/stats/links", (INPUT, "reports/501")),
    ("GET", "reports/501/stats", (INPUT, "reports/501")),
    ("GET", "mailings", (INPUT, "mailings")),
    ("GET", "mailings/501", (INPUT, "mailings")),
])
def test_data_calls_name_their_dataset(method, path, expected):
    assert dataset_of(method, path) == expected


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "debug/whoami"), ("GET", "debug/validate"), ("GET", "groups"), ("GET", "groups/1001"),
    ("GET", "groups/1001/stats"), ("POST", "groups"), ("DELETE", "groups/1001"), ("GET", "attributes"),
    ("GET", "receivers/anna@example.org"), ("GET", "receivers/anna%40example.org"),
    ("GET", "groups/anna@example.org/receivers"), ("GET", "groups/anna%40example.org/receivers"),
    ("POST", "groups/1001/receivers"), ("GET", "groups/1001/receivers/insert"), ("GET", "groups/1/2/receivers"),
])
def test_other_calls_and_addresses_name_nothing(method, path):
    assert dataset_of(method, path) is None


def test_the_namespace_is_the_account_else_the_api_host():
    assert namespace_of("123456", "https://rest.cleverreach.com/v3") == "cleverreach://123456"
    assert namespace_of(None, "https://rest.cleverreach.com/v3") == "cleverreach://rest.cleverreach.com"
    assert namespace_of("a@b", "http://127.0.0.1:8000") == "cleverreach://127.0.0.1"  # never an address


@pytest.fixture
def collector(monkeypatch) -> HookLineageCollector:
    """A collecting collector, as Airflow gives one where a lineage reader (OpenLineage) is installed."""
    real = HookLineageCollector()
    monkeypatch.setattr(lineage, "get_hook_lineage_collector", lambda: real)
    return real


def _collected(collector: HookLineageCollector) -> dict[str, dict[str, int]]:
    found = collector.collected_assets
    return {"inputs": {i.asset.uri: i.count for i in found.inputs}, "outputs": {o.asset.uri: o.count for o in found.outputs}}


class _Hook:
    api_root = "https://rest.cleverreach.com"


def test_record_call_keeps_only_the_whoami_id_and_returns_the_body(collector):
    hook = _Hook()
    me = {"id": "4711", "firstname": "Anna", "email": "anna@example.org"}
    assert record_call(hook, "GET", "debug/whoami", me) is me
    assert record_call(hook, "GET", "groups/1001/receivers", [1]) == [1]
    assert _collected(collector) == {"inputs": {"cleverreach://4711/groups/1001/receivers": 1}, "outputs": {}}
    assert "anna" not in repr(vars(hook)).lower()


def test_a_failing_collector_never_fails_the_call(monkeypatch):
    def broken():
        raise RuntimeError("collector down")

    monkeypatch.setattr(lineage, "get_hook_lineage_collector", broken)
    assert record_call(_Hook(), "GET", "mailings", {"finished": []}) == {"finished": []}


def test_a_hook_on_the_emulator_reports_what_it_read_and_wrote(emulator, monkeypatch, collector):
    from helpers.connections import set_cleverreach_connection

    from cleverreach.hooks.cleverreach import CleverReachHook

    emulator.client.reset({"accounts": [{"client_id": CLIENT_ID, "client_secret": SECRET, "name": "ACME", "groups": [
        {"id": "1001", "name": "Newsletter", "receivers": [{"email": f"r{i}@example.org"} for i in range(3)]}]}]})
    set_cleverreach_connection(monkeypatch, "cleverreach_acme", emulator.url, CLIENT_ID, SECRET)
    hook = CleverReachHook("cleverreach_acme")
    host = emulator.url.split("//")[1].split(":")[0]
    list(hook.iter_receivers("1001"))  # before whoami: the API host
    account = str(hook.whoami()["id"])
    pages = list(hook.iter_receivers("1001"))
    ids = [r["id"] for page in pages for r in page]
    list(hook.upsert_receivers("1001", [{"email": "r1@example.org", "global_attributes": {}}]))
    list(hook.delete_receivers("1001", ids[:1]))
    hook.get_receivers("1001", emails=["r2@example.org"])  # by address: still only the group's name
    hook.list_mailings()
    collected = _collected(collector)  # inputs counted per page read
    assert set(collected["inputs"]) == {f"cleverreach://{host}/groups/1001/receivers",
                                        f"cleverreach://{account}/groups/1001/receivers", f"cleverreach://{account}/mailings"}
    assert collected["outputs"] == {f"cleverreach://{account}/groups/1001/receivers": 2}  # one upsert, one delete batch
    assert "@" not in repr(collector.collected_assets)


def test_the_provider_registers_the_scheme_and_its_openlineage_converter():
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    runtime = ProvidersManagerTaskRuntime()
    assert "cleverreach" in runtime.asset_uri_handlers
    assert runtime.asset_to_openlineage_converters["cleverreach"] is to_openlineage
    assert Asset("cleverreach://4711/groups/1001/receivers").normalized_uri == "cleverreach://4711/groups/1001/receivers"


def test_the_openlineage_dataset_splits_namespace_and_name(monkeypatch):
    import airflow.providers.common.compat.openlineage.facet as facet

    monkeypatch.setattr(facet, "Dataset", lambda namespace, name: (namespace, name), raising=False)
    dataset = to_openlineage(Asset("cleverreach://4711/groups/1001/receivers"))
    assert dataset == ("cleverreach://4711", "groups/1001/receivers")
    assert to_openlineage(Asset("cleverreach://tenants/acme/contact_history")) == ("cleverreach://tenants",
                                                                                     "acme/contact_history")



OPENLINEAGE_PROBE = """
from airflow.providers.openlineage.extractors.manager import ExtractorManager
from airflow.sdk.lineage import HookLineageCollector, get_hook_lineage_collector
from cleverreach.lineage import record_call

class Hook:
    api_root = "https://rest.cleverreach.com"

assert type(get_hook_lineage_collector()) is HookLineageCollector, get_hook_lineage_collector()
hook = Hook()
record_call(hook, "GET", "debug/whoami", {"id": "4711", "email": "anna@example.org"})
record_call(hook, "GET", "reports/501/receivers/opened", [])
record_call(hook, "POST", "groups/1001/receivers/upsert", [])
found = ExtractorManager().get_hook_lineage()
print(sorted((d.namespace, d.name) for d in found.inputs), sorted((d.namespace, d.name) for d in found.outputs))
"""


def test_openlineage_reads_the_hooks_lineage_as_datasets_where_it_is_installed():
    """Only where apache-airflow-providers-openlineage is installed (not a dependency of the project), in a process
    of its own whose OpenLineage has a transport (without one the provider turns itself and the collecting off)."""
    pytest.importorskip("airflow.providers.openlineage")
    import os
    import subprocess
    import sys

    env = {**os.environ, "AIRFLOW__OPENLINEAGE__TRANSPORT": '{"type": "console"}', "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", OPENLINEAGE_PROBE], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == ("[('cleverreach://4711', 'reports/501')] "
                                                   "[('cleverreach://4711', 'groups/1001/receivers')]")
