"""The connection form generated from the settings model: the fields Airflow 3.2+ reads (``conn-fields``)
and the widgets Airflow 3.0/3.1 read (``get_connection_form_widgets``) say what the settings say."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from cleverreach.hooks import form
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.hooks.settings import CleverReachSettings

NAMES = list(CleverReachSettings.model_fields)

# Written out by hand, not derived: what the form must declare for a few kinds of field.
EXPECTED = {
    "timeout": {"label": "HTTP timeout (seconds)",
                "schema": {"type": ["number", "null"], "default": 60.0, "exclusiveMinimum": 0}},
    "proxies": {"schema": {"type": ["object", "null"], "default": None, "additionalProperties": {"type": "string"}}},
    "batch_size": {"label": "Write batch size",
                   "schema": {"type": ["integer", "null"], "default": 500, "minimum": 1, "maximum": 1000}},
    "ext_id_attribute": {"schema": {"type": ["string", "null"], "default": "ext_id", "minLength": 1, "maxLength": 64}},
    "removal_mode": {"schema": {"type": ["string", "null"], "default": "delete", "enum": ["delete", "deactivate"]}},
    "mass_removal_share": {"schema": {"type": ["number", "null"], "default": 0.2, "minimum": 0, "maximum": 1}},
    "opt_in_by_group": {"schema": {"type": ["object", "null"], "default": {},
                                   "additionalProperties": {"type": "string", "enum": ["confirmed", "double"]}}},
}

# Values to try on each kind of field: the form must accept exactly those the settings accept.
PROBES: dict[str, list[Any]] = {
    "integer": [-1, 0, 1, 6, 20, 21, 64, 100, 500, 501, 1000, 1001, 1023, 1024, 5000, 5001, 10**9],
    "number": [-0.5, 0, 0.05, 0.5, 1, 1.5, 3, 60, 300, 10**9],
    "string": ["", "x", "ext_id", "x" * 64, "x" * 65, "delete", "deactivate", "confirmed", "double", "nope"],
    "object": [{}, {"https": "http://proxy:3128"}, {"https": 3128}, {"1001": "confirmed"}, {"1001": "later"}],
}


def _settings_accept(name: str, value: Any) -> bool:
    try:
        CleverReachSettings(**{name: value})
    except ValidationError:
        return False
    return True


def test_every_extra_is_a_field_in_the_models_order_with_its_label_and_help():
    fields = form.conn_fields()
    assert list(fields) == NAMES
    for name, info in CleverReachSettings.model_fields.items():
        assert fields[name]["label"] == info.title, name
        assert fields[name].get("description") == info.description, name


@pytest.mark.parametrize("name", list(EXPECTED))
def test_fields_as_written_out(name):
    field = form.conn_fields()[name]
    for key, value in EXPECTED[name].items():
        assert field[key] == value, (name, key)


@pytest.mark.parametrize("name", NAMES)
def test_the_form_accepts_exactly_what_the_settings_accept(name):
    schema = form.conn_fields()[name]["schema"]
    kind = schema["type"][0]
    assert _settings_accept(name, schema["default"])
    for value in PROBES[kind]:
        try:
            jsonschema.validate(value, schema)
            form_accepts = True
        except jsonschema.ValidationError:
            form_accepts = False
        assert form_accepts == _settings_accept(name, value), (name, value)


def test_a_field_without_a_label_is_refused(monkeypatch):
    field = CleverReachSettings.model_fields["batch_size"]
    monkeypatch.setattr(field, "title", None)
    form._conn_fields.cache_clear()
    try:
        with pytest.raises(TypeError, match="batch_size has no title"):
            form.conn_fields()
    finally:
        monkeypatch.undo()
        form._conn_fields.cache_clear()


def test_the_widgets_of_airflow_3_0_and_3_1_are_the_same_fields():
    fields = form.conn_fields()
    widgets = CleverReachHook.get_connection_form_widgets()
    assert list(widgets) == list(fields)
    for name, widget in widgets.items():
        schema = fields[name]["schema"]
        assert widget.field_class.__name__ == ("IntegerField" if schema["type"][0] == "integer" else "StringField")
        assert str(widget.args[0]) == fields[name]["label"]
        assert widget.kwargs["description"] == fields[name].get("description", "")
        choices = [v.values for v in widget.kwargs["validators"] if type(v).__name__ == "AnyOf"]
        assert choices == ([schema["enum"]] if "enum" in schema else [])
        # The widget's default is text where the field is not an integer; it means the same setting.
        default = widget.kwargs["default"]
        assert CleverReachSettings.from_extras({name: default}) == CleverReachSettings.from_extras({name: schema["default"]})


def test_object_defaults_are_json_text_in_a_widget():
    widgets = CleverReachHook.get_connection_form_widgets()
    assert json.loads(widgets["opt_in_by_group"].kwargs["default"]) == {}
    assert widgets["proxies"].kwargs["default"] is None and widgets["timeout"].kwargs["default"] == "60.0"


def test_field_behaviour_both_spellings():
    assert CleverReachHook.get_ui_field_behaviour() == form.UI_FIELD_BEHAVIOUR
    provider = form.provider_field_behaviour()
    assert provider == {
        "hidden-fields": ["schema", "port"],
        "relabeling": {"login": "Client ID", "password": "Client secret", "host": "API root"},
        "placeholders": form.UI_FIELD_BEHAVIOUR["placeholders"],
    }
    provider["hidden-fields"].append("host")  # a copy: the next caller gets the original
    assert form.provider_field_behaviour()["hidden-fields"] == ["schema", "port"]


def test_the_form_and_the_settings_import_nothing_from_airflow():
    """Airflow calls ``get_provider_info`` while it initialises: importing Airflow from here is a circle."""
    import subprocess
    import sys

    code = ("import sys, cleverreach.hooks.form; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'airflow', 'flask_appbuilder', 'wtforms'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
