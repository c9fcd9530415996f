"""Erase a person on request (GDPR): from the tenant's CleverReach account and the integration's copies.

The request is stored first, on the CleverReach page or through its API (``POST
/cleverreach/api/tenants/{tenant}/erasures`` with the contact ids and/or addresses), which triggers this DAG with
the tenant and the request's opaque reference only: the addresses never appear in the run's configuration or its
rendered fields. The person's receivers are deleted from every group of the tenant's CleverReach account (by
receiver id, then read back); their list memberships and the contact history the integration wrote are deleted
in the CRM, and the stored sync plans keep their counts but lose the address. While it erases, the erasure holds
the leases of all the tenant's lists: a list being synced makes it wait (the task is retried). Once done, the
request's contact ids and addresses are purged. The result is a report of counts, never the data.

Only the CleverReach Admin role may trigger it or read its runs (an erasure cannot be undone; issue 18).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, conf, dag

from cleverreach.access import ROLE_ADMIN
from cleverreach.dag_defaults import TENANT_MAP_INDEX, dag_defaults
from cleverreach.erasure.request_store import REFERENCE_PATTERN
from cleverreach.operators.erase_contact import CleverReachEraseContactOperator
from cleverreach.operators.tenants import CrmTenantsOperator

# a list being synced makes the erasure wait: its task is retried ([cleverreach] erasure_retries, _retry_delay_seconds)
RETRIES = conf.getint("cleverreach", "erasure_retries", fallback=6)
RETRY_DELAY = timedelta(seconds=conf.getint("cleverreach", "erasure_retry_delay_seconds", fallback=300))


@dag(
    dag_id="cleverreach_erase_contact",
    schedule=None,
    doc_md=__doc__,
    **dag_defaults(roles=(ROLE_ADMIN,)),
    params={
        "tenant": Param(type="string", minLength=1, maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant) of the person."),
        "request": Param(type="string", pattern=REFERENCE_PATTERN, title="Erasure request",
                         description="The reference of an erasure request stored on the CleverReach page (or its "
                                     "API); the request names the contact ids and addresses, this run never does."),
    },
)
def cleverreach_erase_contact():
    tenant = CrmTenantsOperator(task_id="resolve_tenant", tenant="{{ params.tenant }}", migrate_state=True)
    CleverReachEraseContactOperator.partial(
        task_id="erase", map_index_template=TENANT_MAP_INDEX, request="{{ params.request }}",
        retries=RETRIES, retry_delay=RETRY_DELAY,
    ).expand_kwargs(tenant.output)


cleverreach_erase_contact()
