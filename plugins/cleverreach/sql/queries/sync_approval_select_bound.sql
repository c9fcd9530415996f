-- The approval bound to one Airflow run, if any (unique per run).
SELECT id, tenant_id, list_id, blocked_sync_run_id, max_removals, approved_by, approved_at, dag_id, dag_run_id,
       used_at, used_by_sync_run
FROM {{ state }}.sync_approval
WHERE dag_id = :dag_id AND dag_run_id = :dag_run_id;
