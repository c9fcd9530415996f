"""The connection's extras as one validated settings object."""

from __future__ import annotations

import pytest

from cleverreach.enums import OptInPolicy, RemovalMode
from cleverreach.exceptions import CleverReachConfigError
from cleverreach.hooks.settings import CleverReachSettings


def test_defaults():
    settings = CleverReachSettings.from_extras({})
    assert (settings.batch_size, settings.page_size, settings.report_page_size) == (500, 5000, 5000)
    assert (settings.call_deadline, settings.history_reread_days, settings.history_lookback_days) == (300, 14, 365)
    assert settings.removal_mode is RemovalMode.DELETE and settings.opt_in is OptInPolicy.CONFIRMED
    assert settings.verify is None and settings.proxies is None


def test_unknown_extras_are_refused_naming_the_valid_ones():
    with pytest.raises(CleverReachConfigError) as info:
        CleverReachSettings.from_extras({"batchsize": 100, "Authorization": "x"}, conn_id="cleverreach_acme")
    message = str(info.value)
    assert "cleverreach_acme" in message and "'batchsize'" in message and "'Authorization'" in message
    assert "batch_size" in message and "call_deadline" in message


def test_the_ui_spelling_and_empty_fields():
    settings = CleverReachSettings.from_extras(
        {"extra__cleverreach__page_size": "200", "extra__cleverreach__batch_size": "", "timeout": None}
    )
    assert (settings.page_size, settings.batch_size, settings.timeout) == (200, 500, 60)
    both = CleverReachSettings.from_extras({"page_size": 300, "extra__cleverreach__page_size": 200})
    assert both.page_size == 300  # the plain spelling wins


@pytest.mark.parametrize(
    ("extras", "field"),
    [
        ({"batch_size": 5000}, "batch_size"),  # above CleverReach's 413 limit
        ({"page_size": 0}, "page_size"),
        ({"removal_mode": "purge"}, "removal_mode"),
        ({"opt_in": "maybe"}, "opt_in"),
        ({"mass_removal_share": 1.5}, "mass_removal_share"),
        ({"retry_attempts": 50}, "retry_attempts"),
        ({"call_deadline": 0}, "call_deadline"),
        ({"opt_in_by_group": {"1001": "later"}}, "opt_in_by_group"),
        ({"ext_id_attribute": "  "}, "ext_id_attribute"),
    ],
)
def test_bad_values_are_named(extras, field):
    with pytest.raises(CleverReachConfigError, match=field):
        CleverReachSettings.from_extras(extras, conn_id="cleverreach_acme")


@pytest.mark.parametrize("value", [False, "false", "0", "off"])
def test_tls_verification_cannot_be_switched_off(value):
    with pytest.raises(CleverReachConfigError, match="TLS verification cannot be switched off"):
        CleverReachSettings.from_extras({"verify": value})


def test_verify_names_a_ca_bundle():
    assert CleverReachSettings.from_extras({"verify": "/etc/ssl/corp-ca.pem"}).verify == "/etc/ssl/corp-ca.pem"
    assert CleverReachSettings.from_extras({"verify": True}).verify is None


def test_errors_do_not_echo_values():
    with pytest.raises(CleverReachConfigError) as info:
        CleverReachSettings.from_extras({"proxies": "http://user:hunter2@proxy:3128"})
    assert "proxies" in str(info.value) and "hunter2" not in str(info.value)


def test_policies_and_per_list_opt_in():
    settings = CleverReachSettings.from_extras(
        {"removal_mode": "deactivate", "opt_in": "double", "opt_in_by_group": '{"1001": "confirmed"}',
         "ext_id_attribute": " EXT_ID ", "proxies": {"https": "http://proxy:3128"}}
    )
    assert settings.removal_mode is RemovalMode.DEACTIVATE and settings.removal_mode == "deactivate"
    assert settings.opt_in_for("1001") is OptInPolicy.CONFIRMED
    assert settings.opt_in_for(2002) is OptInPolicy.DOUBLE
    assert settings.ext_id_attribute == "ext_id"
    assert settings.proxies == {"https": "http://proxy:3128"}
