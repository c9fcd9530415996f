"""VARIANTS: one place for the [U] settings, their defaults, their validation and their documentation."""

import dataclasses
import re
from pathlib import Path

import pytest

from cleverreach_emulator import EmulatorControlError, EmulatorSettings
from cleverreach_emulator.settings import CHOICES, VARIANTS

README = Path(__file__).resolve().parents[1] / "README.md"

EXPECTED = {
    "delete_by": ("id", "id_or_email"),
    "global_attribute_scope": ("account", "group"),
    "insert_without_activated": ("active", "pending"),
    "activated_zero_on_existing": ("deactivate", "ignore", "pending"),
    "receivers_page_clamp": (0, 25),
    "report_page_clamp": (0, 25),
    "mailings_window_on": ("stamp", "started", "finished"),
    "mailings_limit_clamp": (0, 100),
    "clicks_without_linkid": ("all", "none"),
    "deleted_group_response": ("404", "empty_list"),
    "idn_spelling": ("as_written", "either", "punycode", "idna2003", "refused"),
    "eventhook_path": ("unversioned", "v3", "both"),
    "eventhook_unknown_condition": ("404", "400"),
    "eventhook_delete_response": ("true", "count", "404_if_none"),
    "webhook_token_in": ("header", "query", "body"),
    "webhook_payload_shape": ("core", "minimal", "flat"),
    "webhook_id_type": ("int", "string"),
    "webhook_email": ("plain", "encrypted", "absent"),
    "webhook_retries": (0, 3),
    "webhook_retry_delay": (1.0, 0.01),
    "webhook_duplicates": (0, 1),
    "webhook_order": ("in_order", "shuffled"),
    "webhook_timeout": (5.0, 1.0),
    "webhook_api_changes": ("notify", "silent"),
    "webhook_bounce_event": ("none", "receiver.unsubscribed", "receiver.updated"),
    "webhook_new_active": ("created", "created_subscribed"),
}


def test_variants_are_the_agreed_names_and_values():
    assert VARIANTS == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_first_variant_is_the_default(name):
    assert getattr(EmulatorSettings(), name) == VARIANTS[name][0]


def test_the_old_boolean_is_gone():
    assert "activated_zero_deactivates_existing" not in {f.name for f in dataclasses.fields(EmulatorSettings)}


@pytest.mark.parametrize("name, value", [(n, v) for n, values in sorted(EXPECTED.items()) for v in values])
def test_every_variant_can_be_set_at_run_time(emu, name, value):
    assert emu.client.update_settings(**{name: value})[name] == value
    assert emu.client.settings()[name] == value


@pytest.mark.parametrize("name, bad", [
    ("delete_by", "email"), ("global_attribute_scope", "tenant"), ("insert_without_activated", True),
    ("activated_zero_on_existing", "deactivated"), ("receivers_page_clamp", -1),
    ("report_page_clamp", "25"), ("mailings_window_on", "created"), ("mailings_limit_clamp", 2.5),
    ("clicks_without_linkid", ""), ("deleted_group_response", 404),
    ("activated_zero_deactivates_existing", True),
    ("eventhook_path", "v2"), ("webhook_token_in", "cookie"), ("webhook_retries", -1),
    ("webhook_retry_delay", -0.5), ("webhook_timeout", "5"), ("webhook_timeout", True),
    ("webhook_duplicates", 1.5), ("webhook_order", "random"),
])
def test_bad_values_are_refused(emu, name, bad):
    with pytest.raises(EmulatorControlError):
        emu.client.update_settings(**{name: bad})


def test_float_settings_take_integers_as_numbers(emu):
    assert emu.client.update_settings(webhook_timeout=2)["webhook_timeout"] == 2.0


def test_string_variants_are_closed_choices():
    for name, values in VARIANTS.items():
        if isinstance(values[0], str):
            assert CHOICES[name] == values


def test_reset_restores_the_defaults(emu, seed):
    emu.client.update_settings(delete_by="id_or_email", receivers_page_clamp=25)
    emu.client.reset(seed)
    settings = emu.client.settings()
    assert {name: settings[name] for name in VARIANTS} == {name: values[0] for name, values in VARIANTS.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_readme_documents_every_setting_with_its_variants(name):
    text = README.read_text()
    row = re.search(rf"^\| `{name}` \|(.+)$", text, re.M)
    assert row, f"no row for {name} in emulator/README.md"
    for value in VARIANTS[name]:
        shown = value if isinstance(value, (int, float)) else chr(34) + value + chr(34)
        assert f"`{shown}`" in row.group(1), value
