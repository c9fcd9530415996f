-- An admin's approval of a blocked plan, bound to the Airflow run the page triggers next (cleverreach.sync.approval).
INSERT INTO {{ state }}.sync_approval (tenant_id, list_id, blocked_sync_run_id, max_removals, approved_by, approved_at,
                                       dag_id, dag_run_id)
VALUES (:tenant_id, :list_id, :blocked_sync_run_id, :max_removals, :approved_by, :now, :dag_id, :dag_run_id)
RETURNING id;
