"""Moving about the CleverReach page: breadcrumbs lead back, addresses survive a reload, a removal asks first
(and Cancel starts no run), an action shows in the audit trail, a member's contact history opens from the list.

The session's stack and Chromium (``page_fab``, ``page``); the first list of acme has synced members.
Screenshots: ``artifacts/e2e/page-<role>-<lang>-<screen>.png``.
"""

from __future__ import annotations

import time

import pytest

from e2e.test_cleverreach_page_e2e import PAGE, _wait, first_list, run_ids, tid, word

pytestmark = pytest.mark.e2e
MANAGE, SYNC = "cleverreach_manage_members", "cleverreach_sync_recipients"


def _crumbs(page) -> list[str]:
    return [c.text for c in page.elements(tid("breadcrumbs", " li")) if c.text]


def _at(page, path: str) -> None:
    _wait(page.driver, lambda d: d.current_url.split("?")[0].endswith(f"{PAGE}{path}"), f"the address {PAGE}{path}",
          "address")


def test_breadcrumbs_lead_back_and_a_deep_link_into_members_survives_a_reload(page):
    list_id = first_list(page.fab)
    page.as_user("viewer", "en", role="viewer").open(f"/tenants/acme/lists/{list_id}/members")
    page.element(tid("members", " [data-contact]"), name="deep-members")
    page.screen("deep-members")
    first_rows = [r.get_attribute("data-contact") for r in page.elements(tid("members", " [data-contact]"))]
    page.driver.refresh()
    page.element(tid("members", " [data-contact]"), name="reloaded-members")
    _at(page, f"/tenants/acme/lists/{list_id}/members")
    assert page.elements(tid("tab-members") + "[aria-selected='true']"), "the members tab is not the selected tab"
    assert [r.get_attribute("data-contact") for r in page.elements(tid("members", " [data-contact]"))] == first_rows
    page.shot("members-reloaded")
    crumbs = _crumbs(page)
    assert crumbs[0] == word("en", "tenants.crumb") and any("ACME" in c or "acme" in c for c in crumbs), crumbs
    links = page.elements(tid("breadcrumbs", " a"))
    assert len(links) >= 2, crumbs
    links[-1].click()  # the tenant
    _at(page, "/tenants/acme")
    page.element(tid("lists", f" [data-list='{list_id}']"), name="crumb-tenant")
    page.elements(tid("breadcrumbs", " a"))[0].click()  # CleverReach: the tenants
    _at(page, "")
    page.element(tid("tenants", " [data-tenant='acme']"), name="crumb-tenants")
    page.driver.back()  # the browser's history too
    _at(page, "/tenants/acme")


def _select_first_member(page) -> str:
    row = page.element(tid("members", " [data-contact]"), name="select-member")
    page.click(tid("members", " [data-contact] ") + tid("member-select"))
    _wait(page.driver, lambda d: not page.disabled(tid("member-remove")), "Remove selected enabled", "select-member")
    return row.get_attribute("data-contact")


def test_a_removal_asks_first_and_cancel_sends_nothing(page):
    list_id = first_list(page.fab)
    page.as_user("editor", "de", role="editor").open(f"/tenants/acme/lists/{list_id}/members")
    contact = _select_first_member(page)
    before = run_ids(page.fab, MANAGE)
    page.click(tid("member-remove"))
    dialog = page.element(tid("confirm-dialog"), name="remove-confirm")
    assert word("de", "common.cancel") in dialog.text
    page.shot("remove-confirm")
    page.click(tid("confirm-cancel"))
    _wait(page.driver, lambda d: not page.present(tid("confirm-dialog")), "the dialog closed", "remove-cancel")
    assert page.elements(tid("members", f" [data-contact='{contact}']"))
    assert not page.present(tid("run-started"))

    page.click(tid("tab-sync"))
    page.screen("sync")
    sync_before = run_ids(page.fab, SYNC)
    page.click(tid("sync-apply"))
    page.element(tid("confirm-dialog"), name="apply-confirm")
    page.shot("apply-confirm")
    page.click(tid("confirm-cancel"))
    _wait(page.driver, lambda d: not page.present(tid("confirm-dialog")), "the dialog closed", "apply-cancel")
    time.sleep(2)  # what a click that was not cancelled would have started by now
    assert run_ids(page.fab, MANAGE) == before and run_ids(page.fab, SYNC) == sync_before
    assert not page.present(tid("run-started"))


def test_an_action_shows_in_the_audit_trail(page):
    list_id = first_list(page.fab)
    page.as_user("editor", "en", role="editor").open(f"/tenants/acme/audit")
    page.screen("audit-before")
    before = {r.get_attribute("data-event") for r in page.elements(tid("audit", " [data-event]"))}
    page.open(f"/tenants/acme/lists/{list_id}")
    page.screen("list")
    name = page.element(tid("list-name"), name="list-name")
    renamed = f"Kunden-News E2E {int(time.time()) % 100000}"
    name.send_keys("\ue009a")  # select all (Ctrl+A), then type over it
    name.send_keys(renamed)
    page.click(tid("list-save"))
    page.wait_text(renamed, name="renamed")
    page.open("/tenants/acme/audit")
    page.screen("audit-after")

    def new_events(d):
        rows = page.elements(tid("audit", " [data-event]"))
        fresh = [r for r in rows if r.get_attribute("data-event") not in before]
        return fresh or False

    fresh = _wait(page.driver, new_events, "a new audit event", "audit-after")
    assert any("editor" in r.text for r in fresh), [r.text for r in fresh]
    assert fresh[0].find_elements("css selector", "time[datetime]"), "the event's time is not a <time dateTime>"
    page.shot("audit-after-rename")


def test_a_members_contact_history_opens_from_the_members_tab(page):
    list_id = first_list(page.fab)
    page.as_user("viewer", "de", role="viewer").open(f"/tenants/acme/lists/{list_id}/members")
    row = page.element(tid("members", " [data-contact]"), name="history-members")
    contact = row.get_attribute("data-contact")
    button = row.find_elements("css selector", tid("member-history"))
    assert button, "a member row has no contact-history button"
    button[0].click()
    drawer = page.element(tid("history-drawer"), name="history-drawer")
    _wait(page.driver, lambda d: f"contact={contact}" in d.current_url, "?contact= in the address", "history-url")
    page.shot("contact-history")
    assert drawer.text.strip()
    page.driver.refresh()  # the drawer is part of the address
    page.element(tid("history-drawer"), name="history-reloaded")
