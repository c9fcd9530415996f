SELECT id, dag_id, run_id, started_at, lease_holder, attempt, heartbeat_at
FROM {{ state }}.sync_run
WHERE list_id = :list_id AND status = 'running';
