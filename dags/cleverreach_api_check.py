"""Check, once and with real credentials, which of the integration's assumptions about CleverReach hold.

The integration was built against an emulator. This DAG creates scratch groups
``cleverreach-api-check-<UTC time>`` in the tenant's account, exercises every call form the integration
relies on there (inserts with and without ``activated``, upserts, a refused item, paging, deactivation,
bulk deletes, global attribute values across groups), reads back every effect, deletes the scratch
groups (unless *Keep the scratch groups*), then looks read-only at the account's mailings and reports.
It never writes to an existing group or receiver. The task prints a table (assumption, expected,
result: ``holds``, ``differs`` with what it saw, or ``could not check`` with why) and returns it.
Run it once per account before its first sync.
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from cleverreach.dag_defaults import TENANT_MAP_INDEX, dag_defaults
from cleverreach.operators.api_check import CleverReachApiCheckOperator
from cleverreach.operators.tenants import CrmTenantsOperator


@dag(
    dag_id="cleverreach_api_check",
    schedule=None,
    max_active_runs=1,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(type="string", minLength=1, maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant) whose CleverReach account is checked."),
        "test_emails": Param(type="array", minItems=1, maxItems=10, uniqueItems=True,
                             items={"type": "string", "format": "email", "minLength": 3, "maxLength": 254},
                             title="Test e-mail addresses",
                             description="Addresses you own, e.g. [\"newsletter-test@example.com\"]. They and "
                                         "plus-addresses of the first go into the scratch groups only; "
                                         "inserting them sends no mail."),
        "keep_group": Param(False, type="boolean", title="Keep the scratch groups",
                            description="Leave the scratch groups in the account to look at them (delete them by hand)."),
    },
)
def cleverreach_api_check():
    tenants = CrmTenantsOperator(task_id="resolve_tenant", tenant="{{ params.tenant }}", migrate_state=True)
    CleverReachApiCheckOperator.partial(
        task_id="check_api",
        map_index_template=TENANT_MAP_INDEX,
        test_emails="{{ params.test_emails }}",
        keep_group="{{ params.keep_group }}",
    ).expand_kwargs(tenants.output)


cleverreach_api_check()
