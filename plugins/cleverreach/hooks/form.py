"""The ``cleverreach`` connection form, generated from :class:`~cleverreach.hooks.settings.CleverReachSettings`.

An extra is declared once, in the settings model (type, default, bounds, ``title`` as label,
``description`` as help). Airflow reads the form in two ways, and both are built here from that model:

* Airflow 3.2 and later read ``conn-fields`` and ``ui-field-behaviour`` from the provider metadata
  (``get_provider_info``) without importing the hook: :func:`conn_fields`, :func:`provider_field_behaviour`.
* Airflow 3.0 and 3.1 call the hook's ``get_connection_form_widgets`` and ``get_ui_field_behaviour``:
  :func:`form_widgets` (wtforms fields, imported only then), :func:`ui_field_behaviour`.

Every field is optional: an empty field means the model's default.
"""

from __future__ import annotations

import copy
import json
from enum import Enum
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from cleverreach.hooks.settings import CleverReachSettings

#: Host, login and password are the API root and the OAuth client; schema and port are not used.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["schema", "port"],
    "relabeling": {"login": "Client ID", "password": "Client secret", "host": "API root"},
    "placeholders": {
        "login": "OAuth client id of the tenant's CleverReach app",
        "password": "OAuth client secret",
        "host": "https://rest.cleverreach.com",
    },
}


def default_of(name: str) -> Any:
    """A settings field's default as JSON (an enum member as its value, a default factory called)."""
    default = CleverReachSettings.model_fields[name].get_default(call_default_factory=True)
    return default.value if isinstance(default, Enum) else default


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    """The JSON schema with ``$ref`` replaced by its definition, and without titles and descriptions."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[1]])
            node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
        return {key: _resolve(value, defs) for key, value in node.items() if key not in ("title", "description")}
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    return node


def _value_schema(name: str, model_schema: dict[str, Any]) -> dict[str, Any]:
    """One field's JSON schema as the form declares it: ``null`` allowed (empty = default), default spelled out."""
    schema = _resolve(model_schema["properties"][name], model_schema.get("$defs", {}))
    variants = schema.pop("anyOf", None)
    if variants:  # ``X | None``: the null is the form's own empty value
        (value,) = [variant for variant in variants if variant != {"type": "null"}]
        schema = {**value, **schema}
    schema["type"] = [schema["type"], "null"]
    schema["default"] = default_of(name)
    return schema


@cache
def _conn_fields() -> dict[str, dict[str, Any]]:
    model_schema = TypeAdapter(CleverReachSettings).json_schema()
    fields: dict[str, dict[str, Any]] = {}
    for name, info in CleverReachSettings.model_fields.items():
        if not info.title:
            raise TypeError(f"CleverReachSettings.{name} has no title: the connection form needs a label")
        field: dict[str, Any] = {"label": info.title, "schema": _value_schema(name, model_schema)}
        if info.description:
            field["description"] = info.description
        fields[name] = field
    return fields


def conn_fields() -> dict[str, dict[str, Any]]:
    """``conn-fields`` of the provider metadata: label, help and JSON schema of each extra, in the model's order."""
    return copy.deepcopy(_conn_fields())


def provider_field_behaviour() -> dict[str, Any]:
    """``ui-field-behaviour`` of the provider metadata (its keys are spelled with dashes)."""
    return {key.replace("_", "-"): copy.deepcopy(value) for key, value in UI_FIELD_BEHAVIOUR.items()}


def ui_field_behaviour() -> dict[str, Any]:
    """What ``get_ui_field_behaviour`` returns (Airflow 3.0/3.1)."""
    return copy.deepcopy(UI_FIELD_BEHAVIOUR)


def form_text(value: Any) -> str | None:
    """A default as a text field holds it: objects as JSON text (the settings parse it back)."""
    if value is None:
        return None
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def form_widgets() -> dict[str, Any]:
    """What ``get_connection_form_widgets`` returns (Airflow 3.0/3.1): the same fields as :func:`conn_fields`.

    Those versions accept only string, integer, password and boolean fields, so numbers and objects are
    text fields (the settings parse the text) and choices are an ``any_of`` validator."""
    from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import IntegerField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, field in _conn_fields().items():
        schema = field["schema"]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(any_of(list(schema["enum"])))
        integer = schema["type"][0] == "integer"
        widgets[name] = (IntegerField if integer else StringField)(
            lazy_gettext(field["label"]),
            description=field.get("description", ""),
            default=schema["default"] if integer else form_text(schema["default"]),
            validators=validators,
            widget=BS3TextFieldWidget(),
        )
    return widgets
