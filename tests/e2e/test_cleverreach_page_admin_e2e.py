"""The CleverReach page's admin actions in Chromium: the tenant lifecycle (rename a tenant id, move a tenant to
another CleverReach account) and tenant access. A stack of its own (the fixtures of ``test_cleverreach_page_e2e``),
because the CRM renames a tenant here and the other module's tests rely on both demo tenants as they are.
Screenshots: ``artifacts/e2e/page-lifecycle-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.test_cleverreach_page_e2e import (_body_text, _wait, chromium, click, crm_transaction, element, fab,  # noqa: F401
                                           first_list, login_as, shot, wait_for)

pytestmark = pytest.mark.e2e


def _sync_run_table() -> str:
    from sqlalchemy import create_engine

    from cleverreach.tenants.lifecycle_store import TenantLifecycleStore

    return TenantLifecycleStore(create_engine("sqlite://")).state_table("sync_run")


def _crm_renames(crm_path: Path, old: str, new: str) -> None:
    """What the CRM does when it re-keys a tenant: a tenant row under the new id (with the old one's connection),
    its own rows moved to it, the old row gone. The integration's private state is left as it was."""
    from sqlalchemy import text

    with crm_transaction(crm_path) as conn:
        conn.execute(text("INSERT INTO tenant (id, name, cleverreach_conn_id, active, time_zone) SELECT :new, name, "
                          "COALESCE(cleverreach_conn_id, 'cleverreach_' || id), active, time_zone FROM tenant "
                          "WHERE id = :old"), {"old": old, "new": new})
        for table in ("address", "contact_person", "recipient_list", "contact_history"):
            conn.execute(text(f"UPDATE {table} SET tenant_id = :new WHERE tenant_id = :old"), {"old": old, "new": new})
        conn.execute(text("DELETE FROM tenant WHERE id = :old"), {"old": old})


def _running_sync(crm_path: Path, tenant: str, list_id: int) -> int:
    """A sync of the tenant that holds its list's lease (started and alive just now); returns its sync_run id."""
    from sqlalchemy import text

    from cleverreach.clock import utcnow

    with crm_transaction(crm_path) as conn:
        conn.execute(text(f"INSERT INTO {_sync_run_table()} (tenant_id, list_id, dag_id, run_id, started_at, "
                          "heartbeat_at, status) VALUES (:tenant, :list_id, 'cleverreach_sync_recipients', "
                          "'e2e_held_lease', :now, :now, 'running')"), {"tenant": tenant, "list_id": list_id, "now": utcnow()})
        return conn.execute(text(f"SELECT max(id) FROM {_sync_run_table()}")).scalar_one()


def _drop_sync(crm_path: Path, sync_run_id: int) -> None:
    from sqlalchemy import text

    with crm_transaction(crm_path) as conn:
        conn.execute(text(f"DELETE FROM {_sync_run_table()} WHERE id = :id"), {"id": sync_run_id})


def _type(driver, css: str, value: str) -> None:
    field = element(driver, css, name="lifecycle")
    field.clear()
    field.send_keys(value)


def test_tenant_lifecycle_on_the_page_admins_rename_editors_do_not_see_it(fab, chromium):
    """An editor sees no lifecycle controls. An admin's move is refused while a sync of the tenant runs; after the
    CRM renamed nordlicht, the admin opens the old id, is refused an id the CRM does not have, then renames it."""
    from selenium.webdriver.common.by import By

    old, new = "nordlicht", "nordlicht-nord"
    login_as(chromium, fab, "editor")
    chromium.get(f"{fab.url}/cleverreach/")
    wait_for(chromium, "Tenants", "acme", name="lifecycle-editor")
    click(chromium, "#tenants tr[data-tenant='acme']")
    wait_for(chromium, "Lists of ACME", name="lifecycle-editor")
    for control in ("tenant-admin", "tenant-rename", "tenant-move", "former-tenant", "former-id"):
        assert not chromium.find_element(By.ID, control).is_displayed(), control
    assert "Rename tenant id" not in _body_text(chromium) and "Move to another" not in _body_text(chromium)

    login_as(chromium, fab, "admin")
    chromium.get(f"{fab.url}/cleverreach/")
    wait_for(chromium, "Tenants", "acme", old, name="lifecycle-admin")
    click(chromium, "#tenants tr[data-tenant='acme']")
    click(chromium, "#tenant-move")
    wait_for(chromium, "Move tenant acme to another CleverReach account", "releases the binding", name="move-dialog")
    assert chromium.find_element(By.CSS_SELECTOR, "#move-dialog .tenant-conn").text == "cleverreach_acme"
    _type(chromium, "#move-confirm", "acm")  # not the tenant id yet: no submit
    assert chromium.find_element(By.ID, "move-submit").get_attribute("disabled") is not None
    held = _running_sync(fab.crm_path, "acme", first_list(fab))
    try:
        _type(chromium, "#move-confirm", "acme")
        click(chromium, "#move-submit")
        text = element(chromium, "#move-result.bad", name="move-refused").text
        assert "Error 409: tenant 'acme' has a running sync" in text and "Nothing was changed" in text, text
        shot(chromium, "lifecycle-move-refused")
    finally:
        _drop_sync(fab.crm_path, held)
    click(chromium, "#move-dialog .lifecycle-close")
    assert fab.api("GET", "/cleverreach/api/tenants/acme/audit").json()["rows"][0]["action"] != "tenant_moved"

    _crm_renames(fab.crm_path, old, new)
    chromium.get(f"{fab.url}/cleverreach/")
    wait_for(chromium, "Tenants", new, name="lifecycle-crm-renamed")
    _type(chromium, "#former-id", old)
    click(chromium, "#former-open")
    wait_for(chromium, f"tenant {old} is not an active tenant of the CRM", name="lifecycle-former")
    click(chromium, "#tenant-rename")
    wait_for(chromium, f"Rename tenant id {old}", "the audit trail", name="rename-dialog")
    _type(chromium, "#rename-new", "nowhere")
    _type(chromium, "#rename-confirm", old)
    click(chromium, "#rename-submit")
    text = element(chromium, "#rename-result.bad", name="rename-refused").text
    assert "Error 409: tenant 'nowhere' is not an active tenant of the CRM" in text, text
    shot(chromium, "lifecycle-rename-refused")

    _type(chromium, "#rename-new", new)
    _type(chromium, "#rename-confirm", new)  # the new id is not the confirmation: that is the old one
    assert chromium.find_element(By.ID, "rename-submit").get_attribute("disabled") is not None
    _type(chromium, "#rename-confirm", old)
    shot(chromium, "lifecycle-rename-dialog")
    click(chromium, "#rename-submit")
    text = element(chromium, "#rename-result.ok", name="renamed").text
    assert f"Renamed tenant {old} to {new}. Rows re-keyed:" in text and "cleverreach_tenant_account: 1" in text, text
    wait_for(chromium, f"Lists of Nordlicht Vertriebs AG ({new})", name="renamed")  # the page behind shows the new id
    shot(chromium, "lifecycle-renamed")
    assert chromium.find_element(By.ID, "rename-submit").get_attribute("disabled") is not None

    (event, *_) = fab.api("GET", f"/cleverreach/api/tenants/{new}/audit").json()["rows"]
    assert (event["action"], event["actor"]) == ("tenant_renamed", "user:admin")
    assert [row["name"] for row in fab.api("GET", f"/cleverreach/api/tenants/{new}/lists").json()]


def _grant_row(driver, user: str):
    """The page's grants row of ``user`` (None without one, or while the table is being refilled)."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        rows = [r for r in driver.find_elements("css selector", "#grants tbody tr") if r.text.startswith(f"{user} ")]
    except StaleElementReferenceException:
        return None
    return rows[0] if rows else None


def test_revoking_a_users_last_grant_asks_to_lift_the_limit(fab, chromium):
    """The page's 409 for a user's last tenant turns into a question; accepted, the grant goes (the user is unlimited)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support import expected_conditions as ec

    login_as(chromium, fab, "admin")
    chromium.get(f"{fab.url}/cleverreach/")
    wait_for(chromium, "Tenant access", "ed_acme", name="grants")
    _type(chromium, "#grant-user", "viewer")
    _type(chromium, "#grant-tenant", "acme")
    click(chromium, "#grant-form button[type='submit']")
    _wait(chromium, lambda d: _grant_row(d, "viewer"), "the viewer's grant", "granted")
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["tenants"] == ["acme"]

    def revoke(driver) -> bool:
        try:
            row = _grant_row(driver, "viewer")
            row.find_element("css selector", "button").click()
            return True
        except StaleElementReferenceException:
            return False

    _wait(chromium, revoke, "the viewer's Revoke button", "revoke")
    alert = _wait(chromium, ec.alert_is_present(), "the question to lift the limit", "lift-limit")
    assert "Error 409" in alert.text and "Lift the limit?" in alert.text, alert.text
    alert.accept()
    _wait(chromium, lambda d: _grant_row(d, "viewer") is None, "the grant gone", "lift-limit")
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["tenants"] is None
