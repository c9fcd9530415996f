-- The tenant's syncs that hold a list's lease (the admin actions wait for them).
SELECT id, list_id, dag_id, run_id, started_at, heartbeat_at
FROM {{ state }}.sync_run
WHERE tenant_id = :tenant_id AND status = 'running'
ORDER BY id;
