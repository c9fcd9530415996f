"""Erase a person on request (GDPR): from the tenant's CleverReach account and the integration's copies.

Name the tenant and the contact person ids and/or e-mail addresses. The person's receivers are
deleted from every group of the tenant's CleverReach account (by receiver id, then read back); their
list memberships and the contact history the integration wrote are deleted in the CRM, and the stored
sync plans keep their counts but lose the address. The result is a report of counts, never the data.

Only the CleverReach Admin role may trigger it or read its runs (an erasure cannot be undone; issue 18).
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from cleverreach.access import ROLE_ADMIN
from cleverreach.dag_defaults import KEY_ITEMS, TENANT_MAP_INDEX, dag_defaults
from cleverreach.operators.erase_contact import CleverReachEraseContactOperator
from cleverreach.operators.tenants import CrmTenantsOperator


@dag(
    dag_id="cleverreach_erase_contact",
    schedule=None,
    doc_md=__doc__,
    **dag_defaults(roles=(ROLE_ADMIN,)),
    params={
        "tenant": Param(type="string", minLength=1, maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant) of the person."),
        "contact_ids": Param([], type="array", items=KEY_ITEMS, maxItems=1000, title="Contact person ids",
                             description="Contact persons to erase, e.g. [5, 7] or UUIDs (integers or text, as the "
                                         "CRM keys them)."),
        "emails": Param([], type="array", items={"type": "string", "maxLength": 254}, maxItems=1000,
                        title="E-mail addresses", description="Addresses to erase (also those of no contact)."),
    },
)
def cleverreach_erase_contact():
    tenant = CrmTenantsOperator(task_id="resolve_tenant", tenant="{{ params.tenant }}")
    CleverReachEraseContactOperator.partial(
        task_id="erase", map_index_template=TENANT_MAP_INDEX,
        contact_ids="{{ params.contact_ids }}", emails="{{ params.emails }}",
    ).expand_kwargs(tenant.output)


cleverreach_erase_contact()
