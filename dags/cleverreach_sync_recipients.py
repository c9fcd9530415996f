"""Reconcile CRM recipient lists with their CleverReach groups (pandas diff, stored plan, batched writes).

Manual by default. An optional schedule comes from the Airflow config option
``[cleverreach] sync_recipients_schedule`` (env ``AIRFLOW__CLEVERREACH__SYNC_RECIPIENTS_SCHEDULE``) or
the environment variable ``AIRFLOW_VAR_CLEVERREACH_SYNC_RECIPIENTS_SCHEDULE`` (a cron expression or
preset); both are read without touching the metadata DB at parse time.

Two runs never work on the same list at once: the DAG allows one active run, and each list's sync
holds a lease in the CRM (a ``running`` sync_run row, unique per list).

A run over many lists maps one task per batch of lists (``[cleverreach] lists_per_task``, 25 by default;
``cleverreach.lists.batches``): a tenant's lists stay together, each list syncs in its own ``try``, a failed
list fails its task at the end without stopping the others, and the task's retry syncs only what is not done.
A run of a few lists (no more than ``[cleverreach] tenant_parallelism``, 8 when unset) still maps one task per list.
The events of the lists a failed batch synced are emitted by ``late_asset_events`` (Airflow drops a failed
task's events).

A list's sync that changed its group (not a dry run) emits an event of the asset
``cleverreach://tenants/<tenant>/lists/<list>/recipients`` through the alias ``cleverreach_list_recipients``
(``cleverreach.assets``): a DAG can be scheduled on either.
"""

from __future__ import annotations

import os

from airflow.sdk import Param, conf, dag

from cleverreach.assets import LIST_RECIPIENTS_ALIAS
from cleverreach.dag_defaults import KEY_SCHEMA, KEY_TYPES, BATCH_MAP_INDEX, api_pool, dag_defaults, tenant_parallelism
from cleverreach.operators.sync_recipients import CleverReachSyncListOperator, late_events_task
from cleverreach.operators.tenants import CrmListsOperator
from cleverreach.reporting import summary_task

SCHEDULE = conf.get("cleverreach", "sync_recipients_schedule", fallback=None) or os.environ.get(
    "AIRFLOW_VAR_CLEVERREACH_SYNC_RECIPIENTS_SCHEDULE"
) or None


@dag(
    dag_id="cleverreach_sync_recipients",
    schedule=SCHEDULE,
    max_active_runs=1,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(None, type=["null", "string"], maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant). Empty = every active tenant."),
        "list_id": Param(None, type=["null", *KEY_TYPES], **KEY_SCHEMA, title="Recipient list",
                         description="recipient_list.id (an integer or text, as the CRM keys its lists). Empty = every "
                                     "list of the tenant (needs a tenant when set)."),
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="Plan only: store the plan in sync_run/sync_change and write nothing to CleverReach."),
        "full_reconcile": Param(False, type="boolean", title="Full reconciliation",
                                description="Read every receiver of each group, even where the connection's "
                                            "reconcile_hours lets a sync read only the contacts that changed."),
    },
)
def cleverreach_sync_recipients():
    lists = CrmListsOperator(task_id="resolve_lists", tenant="{{ params.tenant }}", list_id="{{ params.list_id }}",
                             migrate_state=True)
    synced = CleverReachSyncListOperator.partial(
        task_id="sync_list",
        map_index_template=BATCH_MAP_INDEX,
        pool=api_pool(), max_active_tis_per_dagrun=tenant_parallelism(),
        dry_run="{{ params.dry_run }}", full_reconcile="{{ params.full_reconcile }}", outlets=[LIST_RECIPIENTS_ALIAS],
    ).expand_kwargs(lists.output)

    columns = ["tenant_id", "list_id", "status", "scope", "dry_run", "added", "updated", "removed", "rejected", "unchanged", "sync_run_id",
               "finished_local"]
    # the events of the lists a failed batch synced (Airflow drops a failed task's events), before the summary
    late_events_task()(synced.output) >> summary_task(columns)(synced.output, lists.output)


cleverreach_sync_recipients()
