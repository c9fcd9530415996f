-- A list's latest sync runs, newest first (index sync_run_list_idx). An erasure's hold on the list's lease
-- (status 'erasure') is not a sync: the audit trail shows it, the run history and "the latest plan" do not.
SELECT id, tenant_id, list_id, dag_id, run_id, started_at, finished_at, status, dry_run, scope,
       added, updated, removed, rejected, unchanged, message, alert
FROM {{ state }}.sync_run
WHERE tenant_id = :tenant_id AND list_id = :list_id AND status <> 'erasure'
ORDER BY started_at DESC, id DESC
LIMIT :limit;
