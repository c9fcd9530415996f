-- One sync run of a tenant's list (another tenant's run reads as missing).
SELECT id, tenant_id, list_id, dag_id, run_id, started_at, finished_at, status, dry_run, scope,
       added, updated, removed, rejected, unchanged, message, alert
FROM {{ state }}.sync_run
WHERE id = :run_pk AND tenant_id = :tenant_id AND list_id = :list_id;
