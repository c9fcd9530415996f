INSERT INTO {{ state }}.sync_run (tenant_id, list_id, dag_id, run_id, started_at, status, dry_run, lease_holder, attempt,
                      heartbeat_at)
VALUES (:tenant_id, :list_id, :dag_id, :run_id, :now, 'running', :dry_run, :lease_holder, :attempt, :now)
RETURNING id;
