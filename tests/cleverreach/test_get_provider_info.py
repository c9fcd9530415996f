"""The provider metadata against the code: modules, connection types, the form's extras, the version."""

from __future__ import annotations

import copy
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
from pydantic import TypeAdapter

import cleverreach
from cleverreach.get_provider_info import PACKAGE_NAME, get_provider_info
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


def _form_schema(name: str, model_schema: dict[str, Any]) -> dict[str, Any]:
    """A settings field's JSON schema as the connection form must declare it: refs resolved, titles
    dropped, ``null`` allowed (an empty field means the default), the default spelled out."""
    defs = model_schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[1]])
                node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return {k: resolve(v) for k, v in node.items() if k not in ("title", "description")}
        return node

    schema = resolve(model_schema["properties"][name])
    variants = schema.pop("anyOf", None)
    if variants:
        (value,) = [v for v in variants if v != {"type": "null"}]
        schema = {**value, **schema}
    schema["type"] = [schema["type"], "null"]
    default = CleverReachSettings.model_fields[name].get_default(call_default_factory=True)
    schema["default"] = getattr(default, "value", default)
    return schema


def test_conn_fields_are_the_settings_extras_with_their_types_defaults_and_bounds(info):
    conn_fields = _connection_types(info)["cleverreach"]["conn-fields"]
    settings_fields = list(CleverReachSettings.model_fields)
    assert list(conn_fields) == settings_fields  # every extra has a field and vice versa, in the model's order
    model_schema = TypeAdapter(CleverReachSettings).json_schema()
    for name, field in conn_fields.items():
        assert field["label"], name
        assert field["schema"] == _form_schema(name, model_schema), name


def test_the_forms_defaults_and_bounds_are_accepted_by_the_settings(info):
    conn_fields = _connection_types(info)["cleverreach"]["conn-fields"]
    CleverReachSettings.from_extras({name: field["schema"]["default"] for name, field in conn_fields.items()})
    for name, field in conn_fields.items():
        for bound in ("minimum", "maximum"):
            if bound in field["schema"]:
                CleverReachSettings.from_extras({name: field["schema"][bound]})
        for value in field["schema"].get("enum", []):
            CleverReachSettings.from_extras({name: value})


def test_form_behaviour_hides_what_the_hook_ignores(info):
    behaviour = _connection_types(info)["cleverreach"]["ui-field-behaviour"]
    assert set(behaviour["hidden-fields"]) == {"schema", "port"}
    assert behaviour["relabeling"] == {"login": "Client ID", "password": "Client secret", "host": "API root"}


def test_version_is_written_once_and_is_the_distributions(info):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cleverreach.__version__"}
    assert info["versions"] == [cleverreach.__version__]
    assert importlib.metadata.version(PACKAGE_NAME) == cleverreach.__version__


def test_airflow_registers_the_connection_type_and_its_form():
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    manager = ProvidersManager()
    assert manager.providers[PACKAGE_NAME].version == cleverreach.__version__
    hook = ProvidersManagerTaskRuntime().hooks["cleverreach"]
    assert hook is not None and hook.hook_class_name == "cleverreach.hooks.cleverreach.CleverReachHook"
    widgets = {key for key in manager.connection_form_widgets if key.startswith("extra__cleverreach__")}
    assert widgets == {f"extra__cleverreach__{name}" for name in CleverReachSettings.model_fields}
    assert manager.field_behaviours["cleverreach"]["relabeling"]["login"] == "Client ID"
