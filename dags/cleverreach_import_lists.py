"""Import each tenant's CleverReach groups as CRM recipient lists (manual trigger).

A run over many tenants maps one task per batch of tenants (``[cleverreach] tenants_per_task``, 25 by default;
``cleverreach.lists.batches``), each tenant in its own ``try``; a run of a few tenants (no more than
``[cleverreach] tenant_parallelism``, 8 when unset) maps one task per tenant.
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from cleverreach.dag_defaults import BATCH_MAP_INDEX, api_pool, dag_defaults, tenant_parallelism
from cleverreach.operators.import_lists import CleverReachImportListsOperator
from cleverreach.operators.tenants import CrmTenantsOperator
from cleverreach.reporting import summary_task


@dag(
    dag_id="cleverreach_import_lists",
    schedule=None,
    max_active_runs=1,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(
            None,
            type=["null", "string"],
            maxLength=100,
            title="Tenant",
            description="CRM tenant id (Mandant). Empty = every active tenant.",
        ),
    },
)
def cleverreach_import_lists():
    tenants = CrmTenantsOperator(task_id="resolve_tenants", tenant="{{ params.tenant }}", migrate_state=True,
                                 batched=True)
    imported = CleverReachImportListsOperator.partial(
        task_id="import_lists", map_index_template=BATCH_MAP_INDEX,
        pool=api_pool(), max_active_tis_per_dagrun=tenant_parallelism(),
    ).expand_kwargs(tenants.output)

    columns = ["tenant_id", "status", "groups", "created", "refreshed", "revived", "marked_deleted", "finished_local"]
    summary_task(columns)(imported.output, tenants.output)


cleverreach_import_lists()
