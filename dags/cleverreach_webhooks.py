"""Register, remove or check a tenant's CleverReach receiver webhooks, so that an unsubscribe reaches the CRM at once.

CleverReach then calls the public endpoint ``<webhook_base_url>/cleverreach-webhooks/<tenant>/<event>/<list>``
(Airflow config ``[cleverreach] webhook_base_url``, env ``AIRFLOW__CLEVERREACH__WEBHOOK_BASE_URL``): an unsubscribe
marks the member unsubscribed, a subscribe confirms a member waiting for the double opt-in, a deleted receiver is no
longer owned. The daily mail history stays the reconciliation.

``register`` is idempotent (registering again replaces a registration); ``remove`` removes only this group's
registrations of the events; ``status`` compares the stored registrations with CleverReach's list.
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from cleverreach.dag_defaults import KEY_TYPES, TENANT_MAP_INDEX, dag_defaults
from cleverreach.operators.tenants import CrmTenantsOperator
from cleverreach.operators.webhooks import CleverReachWebhooksOperator
from cleverreach.webhooks.events import DEFAULT_EVENTS, EVENT_PATTERN


@dag(
    dag_id="cleverreach_webhooks",
    schedule=None,
    max_active_runs=1,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(type="string", minLength=1, maxLength=100, title="Tenant", description="CRM tenant id (Mandant)."),
        "list_id": Param(None, type=["null", *KEY_TYPES], title="List",
                         description="recipient_list.id; empty = every list of the tenant that has a group."),
        "action": Param("status", type="string", enum=["register", "remove", "status"], title="Action"),
        "events": Param(list(DEFAULT_EVENTS), type="array", items={"type": "string", "pattern": EVENT_PATTERN},
                        title="Events", description="CleverReach events; default the three receiver events."),
    },
)
def cleverreach_webhooks():
    tenant = CrmTenantsOperator(task_id="resolve_tenant", tenant="{{ params.tenant }}", migrate_state=True)
    CleverReachWebhooksOperator.partial(
        task_id="webhooks", map_index_template=TENANT_MAP_INDEX, list_id="{{ params.list_id }}",
        action="{{ params.action }}", events="{{ params.events }}",
    ).expand_kwargs(tenant.output)


cleverreach_webhooks()
