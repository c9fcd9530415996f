-- Only while the run still holds its lease: a run taken over by a newer attempt (status abandoned) is never
-- finished by the attempt it was taken from. Returns the run's list and Airflow run (for its audit event).
UPDATE {{ state }}.sync_run
SET status = :status, finished_at = :now, added = :added, updated = :updated, removed = :removed,
    rejected = :rejected, unchanged = :unchanged, message = :message
WHERE id = :id AND status = 'running'
RETURNING tenant_id, list_id, dag_id, run_id;
