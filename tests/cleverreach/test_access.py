"""Rights, roles and tenant scope (``cleverreach.access``), and the scope check of a run's first task."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from cleverreach.access import (ROLE_ADMIN, ROLE_EDITOR, ROLE_PERMISSIONS, ROLE_VIEWER, CleverReachPermission,
                                TenantGrantStore, TenantScope, TenantScopeError, check_run_scope, dag_access_control,
                                grant_change_refusal)
from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate
from helpers.crm_seed import add_tenants


def test_every_permission_is_its_own_custom_view():
    pairs = {(p.resource, p.method) for p in CleverReachPermission}
    assert len(pairs) == len(CleverReachPermission)


def test_roles_grow_from_viewer_to_admin_and_match_the_dag_rights():
    assert ROLE_PERMISSIONS[ROLE_VIEWER] < ROLE_PERMISSIONS[ROLE_EDITOR] < ROLE_PERMISSIONS[ROLE_ADMIN]
    control = dag_access_control()
    assert "can_create" not in control[ROLE_VIEWER]["DAG Runs"]
    assert "can_create" in control[ROLE_EDITOR]["DAG Runs"] and "can_edit" in control[ROLE_EDITOR]["DAGs"]


def test_a_scope_without_tenants_is_unlimited_and_a_limited_one_must_name_a_tenant():
    TenantScope("anyone", None).check(None)
    limited = TenantScope("eve", frozenset({"a"}))
    limited.check("a")
    with pytest.raises(TenantScopeError, match="may not act on tenant 'b'"):
        limited.check("b")
    with pytest.raises(TenantScopeError, match="name one of them"):
        limited.check(None)


def test_the_first_task_refuses_a_tenant_outside_the_triggering_users_scope(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"}, {"id": "b", "name": "B"})
    grants = TenantGrantStore(crm_engine)
    grants.grant("eve", "a", Actor.user("admin"))
    run_by = lambda user: {"dag_run": SimpleNamespace(triggering_user_name=user)}  # noqa: E731
    check_run_scope(crm_engine, run_by("eve"), "a")
    check_run_scope(crm_engine, run_by("bob"), "b")  # no grant: not limited
    check_run_scope(crm_engine, run_by(None), "b")  # scheduled or started by another run
    with pytest.raises(AirflowFailException, match="Refused: user 'eve' may not act on tenant 'b' \\(allowed: a\\)"):
        check_run_scope(crm_engine, run_by("eve"), "b")
    assert grants.revoke("eve", "a", Actor.user("admin")) and not grants.revoke("eve", "a", Actor.user("admin"))
    check_run_scope(crm_engine, run_by("eve"), "b")


def test_grant_change_refusal_keeps_a_limited_admin_within_their_own_grants():
    limited, unlimited = TenantScope("ann", frozenset({"a", "c"})), TenantScope("ann", None)
    bob_a, bob_ab = TenantScope("bob", frozenset({"a"})), TenantScope("bob", frozenset({"a", "b"}))
    assert grant_change_refusal(unlimited, "ann", unlimited, "b", revoke=False) is None
    assert grant_change_refusal(unlimited, "bob", bob_a, "a", revoke=True) is None  # lifting: an unlimited admin may
    assert grant_change_refusal(limited, "bob", bob_a, "c", revoke=False) is None
    assert grant_change_refusal(limited, "bob", bob_ab, "a", revoke=True) is None
    assert "within their own grants (a, c)" in grant_change_refusal(limited, "bob", bob_a, "b", revoke=False)
    assert "within their own grants" in grant_change_refusal(limited, "bob", bob_ab, "b", revoke=True)
    assert "lift a limit" in grant_change_refusal(limited, "bob", bob_a, "a", revoke=True)
    assert "their own tenant grants" in grant_change_refusal(limited, "ann", limited, "a", revoke=False)


# ---------------------------------------------------------------------- [cleverreach] tenant_scope_default
def test_deny_by_default_scope_gives_a_user_without_grants_no_tenant_and_leaves_scheduled_runs_alone(
        crm_engine, monkeypatch):
    from cleverreach.access import TenantScopeConfigError, tenant_scope_default
    from cleverreach.enums import TenantScopeDefault

    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"}, {"id": "b", "name": "B"})
    grants = TenantGrantStore(crm_engine)
    grants.grant("eve", "a", Actor.user("admin"))
    run_by = lambda user: {"dag_run": SimpleNamespace(triggering_user_name=user)}  # noqa: E731

    monkeypatch.delenv("AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT", raising=False)
    assert tenant_scope_default() is TenantScopeDefault.ALL  # the default: today's behaviour
    assert grants.scope("bob") == TenantScope("bob", None)

    monkeypatch.setenv("AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT", "none")
    assert tenant_scope_default() is TenantScopeDefault.NONE
    bob = grants.scope("bob")
    assert bob.limited and not bob.allows("a") and not bob.allows("b")
    with pytest.raises(TenantScopeError, match="no tenant grant and \\[cleverreach\\] tenant_scope_default is 'none'"):
        bob.check("a")
    with pytest.raises(AirflowFailException, match="Refused: user 'bob' has no tenant grant"):
        check_run_scope(crm_engine, run_by("bob"), None)  # "every tenant" is refused too
    check_run_scope(crm_engine, run_by(None), "b")  # a scheduled run stays unlimited
    check_run_scope(crm_engine, run_by("eve"), "a")  # grants work as before
    assert grants.grant_manager_scope("bob") == TenantScope("bob", None)  # an admin without grants: no lock-out
    assert grants.grant_manager_scope("eve") == TenantScope("eve", frozenset({"a"}))
    # revoking a user's last grant narrows them to nothing under "none": no limit is lifted
    assert grant_change_refusal(TenantScope("ann", frozenset({"a"})), "eve", grants.scope("eve"), "a", revoke=True) is None

    monkeypatch.setenv("AIRFLOW__CLEVERREACH__TENANT_SCOPE_DEFAULT", "nobody")
    with pytest.raises(TenantScopeConfigError, match="must be one of \\['all', 'none'\\], got 'nobody'"):
        grants.scope("bob")
