"""Tenant lifecycle (admin only): rename a tenant id, or move a tenant to another CleverReach account.

- `rename`: the CRM re-keyed tenant `tenant` as `new_tenant_id` (its own rows are renamed already); the
  integration's private state of the old id (runs, mailing records, grants, login check, the account binding,
  the audit trail) becomes the new id's. Refused while the old id has a running sync, when the new id is not a
  tenant of the CRM or has private state of its own. Running it again changes nothing.
- `move`: the tenant's connection now logs into another CleverReach account. The old account is released (the
  next login check binds the new one), what is known of its groups is cleared, the tenant's lists are marked
  gone (the next import revives those whose group the new account has) and their members become pending.
  Refused while a sync of the tenant runs.

`confirm` must repeat `tenant`. Only the CleverReach Admin role may trigger it. See docs/operations.md, "Tenant lifecycle".
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from cleverreach.access import ROLE_ADMIN
from cleverreach.dag_defaults import dag_defaults
from cleverreach.operators.tenant_admin import CleverReachTenantAdminOperator


@dag(
    dag_id="cleverreach_tenant_admin",
    schedule=None,
    doc_md=__doc__,
    **dag_defaults(roles=(ROLE_ADMIN,)),
    params={
        "action": Param("rename", type="string", enum=["rename", "move"], title="Action",
                        description="rename: the tenant id changed in the CRM; move: another CleverReach account."),
        "tenant": Param(type="string", minLength=1, maxLength=100, title="Tenant",
                        description="The tenant acted on; for a rename its old id."),
        "new_tenant_id": Param(None, type=["null", "string"], maxLength=100, title="New tenant id",
                               description="A rename's new id (the CRM's); empty for a move."),
        "confirm": Param(type="string", minLength=1, maxLength=100, title="Confirm",
                         description="Repeat the tenant id to confirm."),
    },
)
def cleverreach_tenant_admin():
    CleverReachTenantAdminOperator(
        task_id="tenant_admin", action="{{ params.action }}", tenant="{{ params.tenant }}",
        new_tenant_id="{{ params.new_tenant_id }}", confirm="{{ params.confirm }}", retries=0,
        migrate_state=True,
    )


cleverreach_tenant_admin()
