"""The CleverReach page's admin actions in Chromium: the tenant lifecycle (rename a tenant id, move a tenant to
another CleverReach account) on a tenant's admin tab, and tenant access. A stack and a Chromium of their own
(``fab_stack``), because the CRM renames a tenant here and the other page modules rely on both demo tenants as they
are. The admin is FAB's "CleverReach Admin" (``cr_admin``). Screenshots: ``artifacts/e2e/page-admin-<lang>-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.test_cleverreach_page_e2e import (META_DB, PageDriver, _wait, chromium_driver, crm_transaction, fab_stack,
                                           first_list, tid, word)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def admin_page(tmp_path_factory):
    with fab_stack(tmp_path_factory.mktemp("e2e-page-admin"), meta_db=f"{META_DB}_admin", logs_name="page-admin-logs") as fab:
        with chromium_driver() as driver:
            yield PageDriver(driver, fab)


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


def _type(page: PageDriver, css: str, value: str) -> None:
    from selenium.webdriver.common.keys import Keys

    field = page.element(css, name="type")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    field.send_keys(value)


def _dialog_closed(page: PageDriver) -> None:
    _wait(page.driver, lambda d: not page.present(tid("confirm-dialog")), "the dialog closed", "dialog")


def test_a_move_is_refused_while_a_sync_runs_and_an_admin_renames_a_tenant_the_crm_renamed(admin_page):
    page, fab = admin_page, admin_page.fab
    old, new = "nordlicht", "nordlicht-nord"
    page.as_user("cr_admin", "en", role="admin").open("/tenants/acme/admin")
    page.element(tid("admin"), name="admin-tab")
    page.click(tid("tenant-move"))
    page.element(tid("confirm-dialog"), name="move-dialog")
    _type(page, tid("confirm-text"), "acm")  # not the tenant id yet: nothing to send
    assert page.disabled(tid("confirm-ok"))
    held = _running_sync(fab.crm_path, "acme", int(first_list(fab)))
    try:
        _type(page, tid("confirm-text"), "acme")
        page.click(tid("confirm-ok"))
        refused = page.element(tid("confirm-dialog") + " " + tid("error"), name="move-refused").text
        assert word("en", "errors.409") in refused and "tenant 'acme' has a running sync" in refused, refused
        page.shot("move-refused")
    finally:
        _drop_sync(fab.crm_path, held)
    page.click(tid("confirm-cancel"))
    _dialog_closed(page)
    assert fab.api("GET", "/cleverreach/api/tenants/acme/audit").json()["rows"][0]["action"] != "tenant_moved"

    _crm_renames(fab.crm_path, old, new)
    page.open()
    page.screen("crm-renamed", new)
    page.open(f"/tenants/{old}")  # the id the CRM no longer has: its administration only
    page.element(tid("tenant-rename"), name="former")
    assert not page.present(tid("tab-lists"))
    page.click(tid("tenant-rename"))
    page.element(tid("confirm-dialog"), name="rename-dialog")
    _type(page, tid("rename-new-id"), "nowhere")
    _type(page, tid("confirm-text"), old)
    page.click(tid("confirm-ok"))
    refused = page.element(tid("confirm-dialog") + " " + tid("error"), name="rename-refused").text
    assert "tenant 'nowhere' is not an active tenant of the CRM" in refused, refused
    page.shot("rename-refused")
    _type(page, tid("rename-new-id"), new)
    _type(page, tid("confirm-text"), new)  # the confirmation is the old id, not the new one
    assert page.disabled(tid("confirm-ok"))
    _type(page, tid("confirm-text"), old)
    page.shot("rename-dialog")
    page.click(tid("confirm-ok"))
    done = page.element(tid("admin-result"), name="renamed").text
    assert f"Renamed tenant {old} to {new}." in done and "cleverreach_tenant_account: 1" in done, done
    page.shot("renamed")
    page.click(tid("renamed-open"))
    page.element(tid("lists", " [data-list]"), name="renamed-lists")
    assert page.driver.current_url.endswith(f"/tenants/{new}")
    (event, *_) = fab.api("GET", f"/cleverreach/api/tenants/{new}/audit").json()["rows"]
    assert (event["action"], event["actor"]) == ("tenant_renamed", "user:cr_admin")


def _grant_row(page: PageDriver, grant: str) -> bool:
    return page.present(tid("grants", f" [data-grant='{grant}']"))


def test_granting_and_revoking_a_users_last_grant_asks_to_lift_the_limit(admin_page):
    """A grant limits the viewer to acme; revoking it asks twice (Revoke, then lift the limit): Cancel keeps it."""
    page, fab = admin_page, admin_page.fab
    page.as_user("cr_admin", "de", role="admin").open("/access")
    page.screen("access", "ed_acme")
    _type(page, tid("grant-user"), "viewer")
    _type(page, tid("grant-tenant"), "acme")
    page.click(tid("grant-save"))
    _wait(page.driver, lambda d: _grant_row(page, "viewer/acme"), "the viewer's grant", "granted")
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["tenants"] == ["acme"]
    page.shot("access-granted")

    revoke = tid("grants", " [data-grant='viewer/acme'] ") + tid("grant-revoke")
    page.click(revoke)
    page.element(tid("confirm-dialog"), name="revoke-confirm")
    page.click(tid("confirm-cancel"))  # Cancel: nothing is sent
    _dialog_closed(page)
    assert _grant_row(page, "viewer/acme")
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["tenants"] == ["acme"]

    page.click(revoke)
    page.click(tid("confirm-ok"))  # the API refuses the last grant (409): the page asks to lift the limit
    asked = word("de", "access.liftTitle")
    page.wait_text(asked, name="lift-limit")
    page.shot("access-lift-limit")
    page.click(tid("confirm-ok"))
    _wait(page.driver, lambda d: not _grant_row(page, "viewer/acme"), "the grant gone", "lift-limit")
    assert fab.api("GET", "/cleverreach/api/me", user="viewer").json()["tenants"] is None
