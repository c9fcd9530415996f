"""What each role sees and may do on the CleverReach page, in German and in English.

The roles are FAB's CleverReach roles (docs/ui-and-rights.md): a viewer (every button disabled, no admin tab), an
editor (previews, adds, dry-runs; no approval, no admin tab), an editor limited to tenant acme by a tenant grant
(sees acme only; a deep link to nordlicht is the 403 error state), an admin (the admin tab and tenant access).
The anonymous visitor is in test_cleverreach_page_e2e. Every screen visited is saved as
``artifacts/e2e/page-<role>-<lang>-<screen>.png``; every screen is checked for words of its language.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from selenium.webdriver.support.ui import Select

from e2e.test_cleverreach_page_e2e import LANGUAGES, PageDriver, first_list, tid, word

pytestmark = pytest.mark.e2e

# Words each screen must show in its language (beside the catalogue's own, looked up by key).
WORDS = {
    "de": {"tenants": ["Mandanten", "Empfängerlisten"], "tenant": ["Empfängerlisten"], "list": ["Sprachen"],
           "members": ["Synchronisiert"]},
    "en": {"tenants": ["Tenants", "Recipient lists"], "tenant": ["Recipient lists"], "list": ["Languages"],
           "members": ["Synchronised"]},
}
# Words that give away the other language (a screen must not show them).
FOREIGN = {"de": ["Tenants", "Recipient lists", "Languages"], "en": ["Mandanten", "Empfängerlisten", "Sprachen"]}


@dataclass(frozen=True)
class Role:
    name: str
    user: str
    edits: bool
    admin: bool
    tenants: tuple[str, ...] = ("acme", "nordlicht")


ROLES = [Role("viewer", "viewer", edits=False, admin=False), Role("editor", "editor", edits=True, admin=False),
         Role("scoped", "ed_acme", edits=True, admin=False, tenants=("acme",)),
         Role("admin", "cr_admin", edits=True, admin=True)]


def _in_language(page: PageDriver, screen: str, text: str) -> None:
    for needle in WORDS[page.lang].get(screen, []):
        assert needle in text, f"{screen} ({page.lang}) lacks {needle!r}"
    for needle in FOREIGN[page.lang]:
        assert needle not in text, f"{screen} ({page.lang}) shows the other language's {needle!r}"


def _visit(page: PageDriver, screen: str, *needles: str) -> str:
    text = page.screen(f"{page.role}-{screen}", *needles)
    _in_language(page, screen, text)
    page.shot(screen)
    return text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_a_role_sees_and_may_do_what_its_rights_allow(page, role: Role, lang: str):
    page.as_user(role.user, lang, role=role.name).open()
    text = _visit(page, "tenants", "ACME Handels GmbH")
    assert page.title() == word(lang, "tenants.title")
    assert sorted(r.get_attribute("data-tenant") for r in page.elements(tid("tenants", " [data-tenant]"))) == sorted(role.tenants)
    assert ("Nordlicht Vertriebs AG" in text) == ("nordlicht" in role.tenants)
    assert page.disabled(tid("tenants", " [data-tenant='acme'] ") + tid("check-login")) != role.edits
    assert page.present(tid("open-access")) == role.admin

    page.click(tid("tenants", " [data-tenant='acme']"))
    text = _visit(page, "tenant", "ACME Handels GmbH")
    assert page.driver.current_url.endswith("/plugin/cleverreach/tenants/acme")
    assert page.present(tid("tab-lists")) and page.present(tid("tab-audit"))
    assert page.present(tid("tab-admin")) == role.admin

    list_id = first_list(page.fab)
    page.click(tid("lists", f" [data-list='{list_id}']"))
    _visit(page, "list")
    assert page.driver.current_url.endswith(f"/tenants/acme/lists/{list_id}")
    assert page.disabled(tid("list-name")) != role.edits  # read-only for a viewer
    assert page.disabled(tid("list-save"))  # nothing changed yet
    if role.edits:
        page.element(tid("list-name")).send_keys(" x")
        assert not page.disabled(tid("list-save"))

    page.click(tid("tab-languages"))
    _visit(page, "languages")
    assert page.present(tid("translations")) or page.present(tid("empty"))

    page.click(tid("tab-members"))
    page.element(tid("members", " [data-contact]"), name=f"{role.name}-members")
    _visit(page, "members")
    assert page.disabled(tid("member-remove"))  # nothing selected yet
    page.click(tid("members", " [data-contact] ") + tid("member-select"))
    assert page.disabled(tid("member-remove")) != role.edits

    page.click(tid("tab-add"))
    _visit(page, "add")
    page.element(tid("filter-category") + " option:nth-child(2)", name="vocabulary")  # the CRM's categories came
    Select(page.element(tid("filter-category"))).select_by_index(1)
    assert page.disabled(tid("add-preview")) != role.edits
    if role.edits:
        page.click(tid("add-preview"))
        page.element(tid("preview-summary"), name="preview")
        page.shot("add-preview")

    page.click(tid("tab-sync"))
    _visit(page, "sync")
    assert page.disabled(tid("sync-dry-run")) != role.edits
    assert page.disabled(tid("sync-apply")) != role.edits
    if role.name == "editor":  # an editor starts a dry run; the page links its Airflow run
        page.click(tid("sync-dry-run"))
        page.element(tid("run-started"), name="dry-run")
        page.shot("sync-dry-run")
    if page.present(tid("plan-approve")):  # only an admin may approve a mass removal
        assert page.disabled(tid("plan-approve")) != role.admin

    page.open("/tenants/acme/audit")
    page.element(tid("tab-audit"), name="audit")
    _visit(page, "audit")

    if role.admin:
        page.click(tid("tab-admin"))
        _visit(page, "admin")
        for control in ("tenant-rename", "tenant-move", "tenant-erase"):
            assert page.present(tid(control)), control
        page.open()
        page.click(tid("open-access"))
        _visit(page, "access", "ed_acme")
        page.element(tid("grants", " [data-grant='ed_acme/acme']"), name="access")
    else:
        page.open("/tenants/acme/admin")  # the admin tab's address: not for this role
        page.screen(f"{role.name}-admin-refused")
        assert not page.present(tid("tenant-rename")) and not page.present(tid("tenant-erase"))
        page.shot("admin-refused")

    if role.tenants == ("acme",):  # deep links to another tenant: the error state, and the API's 403
        other = first_list(page.fab, "nordlicht")
        page.open(f"/tenants/nordlicht/lists/{other}/members")
        assert word(lang, "errors.403") in page.error(f"{role.name}-forbidden-list")
        page.shot("forbidden-list")
        assert page.fetch_status("tenants/nordlicht/lists") == 403
        page.open("/tenants/nordlicht")
        page.screen(f"{role.name}-forbidden")
        page.shot("forbidden")
        assert "Nordlicht Vertriebs AG" not in page.text()
        refused = page.error(f"{role.name}-forbidden")
        assert word(lang, "errors.403") in refused, refused
