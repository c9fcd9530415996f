-- The run that carries the request out (again, after a failure); a done or purged request is never run again.
UPDATE {{ state }}.erasure_request
SET status = 'running', dag_id = :dag_id, run_id = :run_id
WHERE id = :id AND status IN ('pending', 'running', 'failed') AND purged_at IS NULL;
