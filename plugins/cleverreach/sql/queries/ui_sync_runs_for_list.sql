-- A list's latest sync runs, newest first (index sync_run_list_idx).
SELECT id, tenant_id, list_id, dag_id, run_id, started_at, finished_at, status, dry_run,
       added, updated, removed, rejected, unchanged, message, alert
FROM {{ state }}.sync_run
WHERE tenant_id = :tenant_id AND list_id = :list_id
ORDER BY started_at DESC, id DESC
LIMIT :limit;
