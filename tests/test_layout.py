"""tests/ mirrors the source module by module, so that a module's tests are found where its name says.

    plugins/cleverreach/X/Y.py  <->  tests/cleverreach/X/test_Y.py
    plugins/cleverreach/Y.py    <->  tests/cleverreach/test_Y.py
    dags/Z.py                   <->  tests/dags/test_Z.py

Every module with logic (a ``def`` anywhere in it; declarations only, such as enums, exception classes or
constants, are not logic) has its mirrored test module, or an entry in ALLOWED_GAPS below saying where it is
tested instead. A test module may test more than its namesake (a service's tests read the store too); the
mirror only promises where to start looking.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "plugins" / "cleverreach"

# Modules with logic and without a mirrored test module, each with where it is tested instead. An entry
# that gets its test module, or whose module goes, must leave this list (test_the_allow_list_is_current).
ALLOWED_GAPS: dict[str, str] = {
    # ------------------------------------------------------------------ tested through another test module
    "api_check/mailings.py": "the mailing probes need a finished mailing with reports: "
                             "tests/dags/test_cleverreach_api_check.py, tests/dags/test_history_variants.py",
    "crm_check/store.py": "the check's statements run by the service: tests/cleverreach/crm_check/test_service.py",
    "erasure/leases.py": "taken beside a sync's lease: tests/dags/test_cleverreach_erase_contact.py, "
                         "tests/dags/test_cleverreach_erase_request.py",
    "erasure/request_store.py": "tests/dags/test_cleverreach_erase_request.py, "
                                "tests/cleverreach/housekeeping/test_retention.py",
    "erasure/service.py": "tests/dags/test_cleverreach_erase_contact.py, tests/dags/test_cleverreach_erase_idn.py",
    "erasure/store.py": "tests/dags/test_cleverreach_erase_contact.py, tests/dags/test_cleverreach_erase_idn.py",
    "lists/store.py": "tests/cleverreach/lists/test_service.py, tests/cleverreach/audit/test_store.py, "
                      "tests/dags/test_cleverreach_import_lists.py",
    "tenants/lifecycle_store.py": "every write of the lifecycle goes through it: "
                                  "tests/cleverreach/tenants/test_service.py",
    "ui/read_store.py": "the page's reads through its API: tests/cleverreach/ui/routers/test_members.py, "
                        "test_sync.py, test_history.py, test_tenants.py",
    "ui/roles.py": "needs FAB's app (the unit tier runs SimpleAuthManager): tests/e2e/test_cleverreach_page_e2e.py",
    # ------------------------------------------------------------ tested through the module that drives them
    "crm/legacy.py": "its command's tests, crm/test_adopt_legacy.py, and the refusal in crm/test_migrations.py",
    "crm/state.py": "where the private state lives: crm/test_migrations.py and crm/test_opaque_keys_migration.py",
    "crm/store.py": "the base of every store: each store's own tests",
    "hooks/crm.py": "crm/test_migrations.py (migrate, check_migrated), dags/test_restricted_crm_role.py (engines)",
    "operators/api_check.py": "operators/test_cleverreach_operators.py and dags/test_cleverreach_api_check.py",
    "operators/check_crm.py": "operators/test_cleverreach_operators.py and dags/test_cleverreach_check_crm.py",
    "operators/erase_contact.py": "dags/test_cleverreach_erase_contact.py and test_cleverreach_erase_request.py",
    "operators/housekeeping.py": "dags/test_cleverreach_sync_mail_history.py (the retention task)",
    "operators/mail_history.py": "dags/test_cleverreach_sync_mail_history.py and dags/test_history_variants.py",
    "operators/tenant_admin.py": "dags/test_cleverreach_tenant_admin.py",
    "operators/webhooks.py": "dags/test_cleverreach_webhooks.py",
    "sync/approval_guard.py": "dags/test_cleverreach_sync_approval.py (the guard with real approvals)",
    "sync/approval_store.py": "dags/test_cleverreach_sync_approval.py and ui/routers/test_sync.py",
    "sync/desired.py": "sync/test_diff.py, test_diff_properties.py and test_withdrawn.py",
    "sync/ownership.py": "sync/test_diff.py, test_takeover.py and test_diff_steps.py",
    "sync/plan.py": "sync/test_changes.py, test_diff.py and test_takeover.py",
}


def _has_logic(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for node in ast.walk(tree))


def mirrored_test(source: Path) -> Path:
    """The test module a source module's tests live in."""
    if source.parent == REPO / "dags":
        return REPO / "tests" / "dags" / f"test_{source.name}"
    relative = source.relative_to(PACKAGE)
    return REPO / "tests" / "cleverreach" / relative.parent / f"test_{relative.name}"


def _gap_name(source: Path) -> str:
    """As ALLOWED_GAPS names it: relative to plugins/cleverreach, or to the repository (dags/...)."""
    return (source.relative_to(PACKAGE) if source.is_relative_to(PACKAGE) else source.relative_to(REPO)).as_posix()


def untested_modules() -> list[str]:
    """Modules with logic whose mirrored test module is missing."""
    sources = sorted([*PACKAGE.rglob("*.py"), *(REPO / "dags").glob("*.py")])
    return [_gap_name(s) for s in sources if _has_logic(s) and not mirrored_test(s).exists()]


def test_the_mirror_rule():
    assert mirrored_test(PACKAGE / "ui" / "routers" / "sync.py") == REPO / "tests/cleverreach/ui/routers/test_sync.py"
    assert mirrored_test(PACKAGE / "clock.py") == REPO / "tests/cleverreach/test_clock.py"
    dag = REPO / "dags" / "cleverreach_import_lists.py"
    assert mirrored_test(dag) == REPO / "tests/dags/test_cleverreach_import_lists.py"


def test_every_module_with_logic_has_its_mirrored_test_module():
    missing = [name for name in untested_modules() if name not in ALLOWED_GAPS]
    assert not missing, (
        "modules with logic and no mirrored test module (plugins/cleverreach/X/Y.py -> "
        "tests/cleverreach/X/test_Y.py, dags/Z.py -> tests/dags/test_Z.py); add it, or say in ALLOWED_GAPS where "
        f"it is tested: {missing}"
    )


def test_the_allow_list_is_current():
    stale = sorted(set(ALLOWED_GAPS) - set(untested_modules()))
    assert not stale, f"these have their test module now (or are gone): remove them from ALLOWED_GAPS: {stale}"


def test_every_test_module_under_tests_cleverreach_mirrors_a_source_module():
    """The other direction: a test module named after no module is misplaced (or tests a module renamed)."""
    tests = REPO / "tests" / "cleverreach"
    orphans = []
    for test in sorted(tests.rglob("test_*.py")):
        relative = test.relative_to(tests)
        source = PACKAGE / relative.parent / relative.name.removeprefix("test_")
        if not source.exists() and relative.as_posix() not in TESTS_OF_NO_MODULE:
            orphans.append(relative.as_posix())
    assert not orphans, f"test modules named after no source module: {orphans}"


# test modules that test a promise of the whole package rather than one module
TESTS_OF_NO_MODULE = {
    "test_readme.py",  # the README's claims about the package
    "ui/test_scope_default.py",
    "crm/test_opaque_keys_migration.py",  # one migration (state/0003: keys as text) on both databases, with old rows
    "hooks/test_connection_guards.py",
    "webhooks/test_emulator_delivery.py",  # the whole loop (sync, registration, endpoint) against the emulator  # what a connection may not do, across settings, transport and the hook
    "hooks/test_path_ids.py",  # no id reaches a URL path unchecked, over every endpoint method of the hook
    "hooks/test_response_cap.py",  # max_response_bytes across transport, responses and paging
    "hooks/test_retry_after.py",  # 429/5xx and Retry-After over a real HTTP server, across transport and the hook
    "operators/test_cleverreach_operators.py",  # the operators' shared promises (templated fields, pools, refusals)
    "sync/test_diff_properties.py",  # properties of the whole plan (diff with takeover) under generated inputs  # [cleverreach] tenant_scope_default across the page's API (access.py and the routers)
}
