"""The live check against the emulator over HTTP, under every variant of every unknown behaviour.

Under the defaults every assumption holds; each non-default variant makes exactly the assumptions it
changes differ and leaves the others holding. The request log proves that only the scratch groups were
written, and the existing groups, receivers and mailings are byte for byte what they were.
"""

from __future__ import annotations

import pytest
from cleverreach_emulator.settings import VARIANTS
from helpers.api_check_account import (
    CONN_ID,
    EXISTING_GROUPS,
    TEST_EMAILS,
    api_account,  # noqa: F401 - fixture
    existing_state,
    scratch_group_ids,
    seed,
)

from cleverreach.api_check.assumptions import Check
from cleverreach.api_check.request import SCRATCH_PREFIX, CheckRequest
from cleverreach.api_check.service import ApiCheckService, CheckLoginError
from cleverreach.enums import CheckVerdict
from cleverreach.hooks.cleverreach import CleverReachHook

#: which assumption each emulator setting decides (a new setting fails test_every_setting_is_mapped)
AFFECTED: dict[str, set[Check]] = {
    "delete_by": {Check.DELETE_BY_EMAIL},
    "global_attribute_scope": {Check.GLOBAL_ATTRIBUTE_SCOPE},
    "insert_without_activated": {Check.INSERT_WITHOUT_ACTIVATED},
    "activated_zero_on_existing": {Check.ACTIVATED_ZERO_EXISTING},
    "receivers_page_clamp": {Check.PAGE_SIZE_HONOURED},
    "report_page_clamp": {Check.REPORT_PAGE_SIZE},
    "mailings_window_on": {Check.MAILINGS_WINDOW},
    "mailings_limit_clamp": {Check.MAILINGS_LIMIT},
    "clicks_without_linkid": {Check.CLICKS_WITHOUT_LINKID},
    "deleted_group_response": {Check.DELETED_GROUP_RESPONSE},
    "idn_spelling": {Check.IDN_SPELLING},
}
#: the event hooks' unknowns are not assumptions the API check can observe (CleverReach would have to reach a public
#: URL of ours); the integration accepts every variant instead, which tests/cleverreach/webhooks/test_emulator_delivery.py
#: proves against the emulator, and the hook finds the eventhook path itself
AFFECTED.update({setting: set() for setting in VARIANTS if setting.startswith(("eventhook_", "webhook_"))})
NON_DEFAULT = [
    pytest.param(setting, value, id=f"{setting}={value}")
    for setting, values in VARIANTS.items()
    for value in values[1:]
]


def run_check(*, keep_group: bool = False, emails: list[str] = TEST_EMAILS) -> dict[Check, tuple[CheckVerdict, str]]:
    rows = ApiCheckService(CleverReachHook(CONN_ID), CheckRequest.parse(emails, keep_group)).run()
    assert [row.check for row in rows] == list(Check)
    return {row.check: (row.result, row.seen) for row in rows}


def verdicts(result: dict[Check, tuple[CheckVerdict, str]]) -> dict[Check, CheckVerdict]:
    return {check: verdict for check, (verdict, _) in result.items()}


def test_every_setting_is_mapped():
    assert set(AFFECTED) == set(VARIANTS)


def test_default_settings_every_assumption_holds_and_nothing_existing_is_touched(api_account):
    before = existing_state(api_account)
    result = run_check()
    assert verdicts(result) == {check: CheckVerdict.HOLDS for check in Check}, result
    assert existing_state(api_account) == before

    log = api_account.client.requests()
    scratch = scratch_group_ids(log)
    assert len(scratch) == 2
    for entry in log:
        path = entry["path"]
        assert not any(path.startswith(f"/v3/groups/{gid}") for gid in EXISTING_GROUPS), path
        if entry["method"] != "GET" and path.startswith("/v3/"):
            assert path in ("/v3/groups", "/v3/attributes") or path.split("/")[3] in scratch, path
        elif path.startswith("/v3/") and not path.startswith(("/v3/groups", "/v3/mailings", "/v3/reports")):
            assert path.startswith(("/v3/debug/", "/v3/attributes", "/v3/receivers/")), path
    groups = api_account.client.state()["accounts"][0]["groups"]
    assert {g["id"] for g in groups} == EXISTING_GROUPS  # the scratch groups are gone


@pytest.mark.parametrize(("setting", "value"), NON_DEFAULT)
def test_each_variant_differs_exactly_where_it_changes_the_behaviour(api_account, setting, value):
    api_account.client.update_settings(**{setting: value})
    result = run_check()
    differing = {check for check, (verdict, _) in result.items() if verdict is CheckVerdict.DIFFERS}
    assert differing == AFFECTED[setting], result
    assert all(verdict is CheckVerdict.HOLDS for check, (verdict, _) in result.items() if check not in differing), result


def test_what_a_difference_says(api_account):
    api_account.client.update_settings(receivers_page_clamp=25, mailings_window_on="finished", activated_zero_on_existing="pending")
    result = run_check()
    assert result[Check.PAGE_SIZE_HONOURED][1] == "a page of 5000 held 25 of 32: pages are clamped to 25"
    assert result[Check.MAILINGS_WINDOW][1] == "filters on finished"
    assert result[Check.ACTIVATED_ZERO_EXISTING][1].startswith("made pending")


@pytest.mark.parametrize("variant", VARIANTS["idn_spelling"])
def test_the_idn_check_names_the_variant_the_account_shows_and_deletes_its_receiver(api_account, variant):
    api_account.client.update_settings(idn_spelling=variant)
    verdict, seen = run_check(keep_group=True)[Check.IDN_SPELLING]
    assert (verdict, seen.split(":")[0]) == (
        CheckVerdict.HOLDS if variant == "as_written" else CheckVerdict.DIFFERS, f"variant {variant}"), seen
    assert "@" not in seen and "prüf" not in seen  # the address is not reported
    kept = [g for g in api_account.client.state()["accounts"][0]["groups"] if g["id"] not in EXISTING_GROUPS]
    assert not [r for g in kept for r in api_account.client.group_receivers(g["id"]) if "crcheck-" in r["email"]
                and r["email"].endswith((".example",)) and "+" not in r["email"]]  # the IDN receiver was deleted


def test_keep_group_keeps_both_scratch_groups_and_says_the_deletion_was_not_checked(api_account):
    result = run_check(keep_group=True)
    assert result[Check.DELETED_GROUP_RESPONSE] == (
        CheckVerdict.COULD_NOT_CHECK, "keep_group is set: no group was deleted"
    )
    groups = api_account.client.state()["accounts"][0]["groups"]
    kept = [g for g in groups if g["id"] not in EXISTING_GROUPS]
    assert len(kept) == 2 and all(g["name"].startswith(SCRATCH_PREFIX) for g in kept)
    receivers = api_account.client.group_receivers(kept[0]["id"])
    assert {r["email"] for r in receivers} >= set(TEST_EMAILS)


def test_an_account_without_mailings_cannot_check_the_mailing_assumptions(api_account):
    api_account.client.reset(seed(mailings=False))
    result = run_check(emails=TEST_EMAILS[:1])  # one address: the rest is derived from it
    mailing_checks = {Check.MAILINGS_WINDOW, Check.MAILINGS_LIMIT, Check.REPORT_PAGE_SIZE, Check.CLICKS_WITHOUT_LINKID}
    assert {c: v for c, v in verdicts(result).items() if v is not CheckVerdict.HOLDS} == {
        check: CheckVerdict.COULD_NOT_CHECK for check in mailing_checks
    }
    assert result[Check.MAILINGS_LIMIT][1] == "no finished mailing in the account"


def test_a_probe_that_fails_is_reported_and_the_scratch_groups_are_still_deleted(api_account):
    api_account.client.set_faults(next=[{"status": 500, "count": 5, "path_regex": r"/deactivate$"}])
    result = run_check()
    verdict, seen = result[Check.DEACTIVATE_PUT]
    assert verdict is CheckVerdict.COULD_NOT_CHECK and "CleverReachServerError" in seen
    assert verdicts(result)[Check.DELETE_BY_ID] is CheckVerdict.HOLDS
    groups = api_account.client.state()["accounts"][0]["groups"]
    assert {g["id"] for g in groups} == EXISTING_GROUPS


def test_bad_credentials_stop_the_check_before_anything_is_written(api_account, monkeypatch):
    from helpers.api_check_account import CLIENT_ID
    from helpers.connections import set_cleverreach_connection

    set_cleverreach_connection(monkeypatch, CONN_ID, api_account.url, CLIENT_ID, "wrong-secret")
    with pytest.raises(CheckLoginError):
        run_check()
    assert not [e for e in api_account.client.requests() if e["path"].startswith("/v3/")]
