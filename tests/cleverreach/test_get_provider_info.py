"""The provider metadata against the code: modules, connection types, the form's extras, the version."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import json
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import cleverreach
from cleverreach.get_provider_info import PACKAGE_NAME, get_provider_info
from cleverreach.hooks import form
from cleverreach.hooks.settings import CleverReachSettings

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "plugins" / "cleverreach"

# conn_types our hooks use but do not register: the CRM connection is an ordinary Airflow sqlite or
# postgres connection, so that it keeps those types' forms; registering them would take the types
# from their own providers.
BORROWED_CONN_TYPES = {"sqlite", "postgres"}


@pytest.fixture(scope="module")
def info() -> dict[str, Any]:
    return get_provider_info()


def _listed(info: dict[str, Any], kind: str) -> list[str]:
    return [module for entry in info[kind] for module in entry["python-modules"]]


def _connection_types(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["connection-type"]: entry for entry in info["connection-types"]}


def test_matches_airflows_provider_info_schema(info):
    schema = json.loads(files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(info, schema)
    assert info["package-name"] == PACKAGE_NAME


@pytest.mark.parametrize("kind", ["hooks", "operators"])
def test_every_module_file_is_listed_and_importable(info, kind):
    on_disk = sorted(f"cleverreach.{kind}.{p.stem}" for p in (PACKAGE / kind).glob("*.py") if p.stem != "__init__")
    assert on_disk, f"no modules under {kind}/"
    assert sorted(_listed(info, kind)) == on_disk
    for module in on_disk:
        importlib.import_module(module)


def test_every_class_with_a_conn_type_is_registered_and_every_registration_resolves(info):
    registered = _connection_types(info)
    seen: set[str] = set()
    for module_name in _listed(info, "hooks") + _listed(info, "operators"):
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            conn_type = cls.__dict__.get("conn_type")
            if cls.__module__ != module_name or not conn_type:
                continue
            seen.add(conn_type)
            if conn_type in BORROWED_CONN_TYPES:
                assert conn_type not in registered
                continue
            assert conn_type in registered, f"{cls.__qualname__} declares conn_type {conn_type!r}, which is not registered"
            assert registered[conn_type]["hook-class-name"] == f"{module_name}.{cls.__qualname__}"
    for conn_type, entry in registered.items():
        module_name, _, class_name = entry["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module_name), class_name)
        assert hook.conn_type == conn_type and hook.hook_name == entry["hook-name"]
    assert set(registered) <= seen


def test_the_form_is_the_one_generated_from_the_settings(info):
    entry = _connection_types(info)["cleverreach"]
    assert entry["conn-fields"] == form.conn_fields()
    assert list(entry["conn-fields"]) == list(CleverReachSettings.model_fields)
    assert entry["ui-field-behaviour"] == form.provider_field_behaviour()
    assert set(entry["ui-field-behaviour"]["hidden-fields"]) == {"schema", "port"}
    assert entry["ui-field-behaviour"]["relabeling"] == {"login": "Client ID", "password": "Client secret", "host": "API root"}


def test_the_connection_type_matches_the_provider_yaml_schema(info):
    """``provider_info.schema.json`` leaves connection types open; ``provider.yaml``'s schema spells out
    ``conn-fields`` and ``ui-field-behaviour``."""
    schema = json.loads(files("airflow").joinpath("provider.yaml.schema.json").read_text())
    jsonschema.validate(_connection_types(info)["cleverreach"], schema["properties"]["connection-types"]["items"])


def test_version_is_written_once_and_is_the_distributions(info):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cleverreach.__version__"}
    assert info["versions"] == [cleverreach.__version__]
    assert importlib.metadata.version(PACKAGE_NAME) == cleverreach.__version__


def _ui_extra_fields(widgets: dict[str, Any]) -> dict[str, Any]:
    """The CleverReach fields as Airflow's API hands them to the connection form (either source)."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    ours = {key: widget for key, widget in widgets.items() if key.startswith("extra__cleverreach__")}
    return HookMetaService._convert_extra_fields(ours)["cleverreach"]


def test_airflow_registers_the_connection_type_and_its_form():
    """Airflow 3.2+: the real ProvidersManager reads the form from the metadata, without the hook's methods."""
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    manager = ProvidersManager()
    assert manager.providers[PACKAGE_NAME].version == cleverreach.__version__
    hook = ProvidersManagerTaskRuntime().hooks["cleverreach"]
    assert hook is not None and hook.hook_class_name == "cleverreach.hooks.cleverreach.CleverReachHook"
    widgets = {key for key in manager.connection_form_widgets if key.startswith("extra__cleverreach__")}
    assert widgets == {f"extra__cleverreach__{name}" for name in CleverReachSettings.model_fields}
    assert manager.field_behaviours["cleverreach"] == form.ui_field_behaviour()
    fields = _ui_extra_fields(manager._connection_form_widgets_from_metadata)
    for name, field in form.conn_fields().items():
        assert fields[name]["schema"]["title"] == field["label"]
        assert fields[name]["value"] == field["schema"]["default"]
        assert fields[name]["description"] == field.get("description")


@pytest.fixture
def legacy_manager():
    """A ProvidersManager of its own, as Airflow 3.0/3.1 use it: metadata without the form, so the hook's
    ``get_connection_form_widgets`` and ``get_ui_field_behaviour`` are what it registers."""
    from unittest import mock

    from airflow.providers_manager import ProviderInfo, ProvidersManager

    info = get_provider_info()
    entry = _connection_types(info)["cleverreach"]
    bare = {key: value for key, value in entry.items() if key not in ("conn-fields", "ui-field-behaviour")}
    with (
        mock.patch.object(ProvidersManager, "_instance", None),
        mock.patch.object(ProvidersManager, "_initialized", False),
        pytest.warns(DeprecationWarning, match="get_connection_form_widgets"),
    ):
        manager = ProvidersManager()
        hook = manager._import_hook(
            connection_type=None,
            provider_info=ProviderInfo(cleverreach.__version__, {**info, "connection-types": [bare]}),
            hook_class_name=entry["hook-class-name"],
            package_name=PACKAGE_NAME,
        )
    assert hook is not None and hook.connection_type == "cleverreach"
    return manager


def test_airflow_3_0_and_3_1_get_the_same_form_from_the_hook(legacy_manager):
    from airflow.providers_manager import ProvidersManager

    assert legacy_manager is not ProvidersManager()
    assert legacy_manager._field_behaviours["cleverreach"] == ProvidersManager().field_behaviours["cleverreach"]
    from_hook = _ui_extra_fields(legacy_manager._connection_form_widgets)
    from_metadata = _ui_extra_fields(ProvidersManager()._connection_form_widgets_from_metadata)
    assert list(from_hook) == list(from_metadata) == list(CleverReachSettings.model_fields)
    for name, legacy in from_hook.items():
        current = from_metadata[name]
        assert (legacy["schema"]["title"], legacy["description"]) == (current["schema"]["title"], current["description"])
        assert legacy["schema"].get("enum") == current["schema"].get("enum"), name
        kind = current["schema"]["type"][0]
        assert legacy["schema"]["type"] == [kind if kind == "integer" else "string", "null"], name
        # the legacy form holds numbers and objects as text: the same setting either way
        assert CleverReachSettings.from_extras({name: legacy["value"]}) == CleverReachSettings.from_extras(
            {name: current["value"]}
        ), name
