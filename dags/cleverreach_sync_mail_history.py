"""Load every mail CleverReach sent (and opens, clicks, bounces, unsubscribes) into the CRM contact history.

Daily, per tenant. Each tenant has a watermark in the CRM (``mail_history_watermark``): the run reads
the finished mailings from the watermark minus a re-read window (connection extra
``history_reread_days``, 14 by default) for late opens and clicks, or from ``since`` for a backfill.
Rows are keyed deterministically, so reruns and overlaps add nothing.

The same daily run enforces the retention period of the integration's stored plans and run messages
(``[cleverreach] retention_days``, 90 by default): see ``cleverreach.housekeeping.retention``.

A tenant's load that inserted rows emits an event of the asset ``cleverreach://tenants/<tenant>/contact_history``
through the alias ``cleverreach_contact_history`` (``cleverreach.assets``): a DAG can be scheduled on either.
"""

from __future__ import annotations

from airflow.sdk import Param, TriggerRule, conf, dag

from cleverreach.assets import CONTACT_HISTORY_ALIAS
from cleverreach.dag_defaults import TENANT_MAP_INDEX, api_pool, dag_defaults, tenant_parallelism
from cleverreach.housekeeping.retention import DEFAULT_RETENTION_DAYS
from cleverreach.operators.housekeeping import CleverReachRetentionOperator
from cleverreach.operators.mail_history import CleverReachMailHistoryOperator
from cleverreach.operators.tenants import CrmTenantsOperator
from cleverreach.reporting import summary_task


@dag(
    dag_id="cleverreach_sync_mail_history",
    schedule="@daily",
    max_active_runs=1,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(None, type=["null", "string"], maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant). Empty = every active tenant."),
        "since": Param(None, type=["null", "string"], format="date", title="Backfill from",
                       description="Read mailings finished since this date (YYYY-MM-DD) instead of the watermark."),
    },
)
def cleverreach_sync_mail_history():
    tenants = CrmTenantsOperator(task_id="resolve_tenants", tenant="{{ params.tenant }}", migrate_state=True)
    loaded = CleverReachMailHistoryOperator.partial(
        task_id="load_history", map_index_template=TENANT_MAP_INDEX, since="{{ params.since }}",
        pool=api_pool(), max_active_tis_per_dagrun=tenant_parallelism(), outlets=[CONTACT_HISTORY_ALIAS],
    ).expand_kwargs(tenants.output)

    columns = ["tenant_id", "mailings_seen", "mailings_loaded", "mailings_failed", "rows_inserted", "rows_existing",
               "unmatched", "watermark_local"]
    summary_task(columns)(loaded.output, tenants.output)

    # after the first task, which migrates the private state, whatever became of it: retention is not per tenant
    tenants >> CleverReachRetentionOperator(
        task_id="enforce_retention",
        retention_days=conf.getint("cleverreach", "retention_days", fallback=DEFAULT_RETENTION_DAYS),
        trigger_rule=TriggerRule.ALL_DONE,
    )


cleverreach_sync_mail_history()
