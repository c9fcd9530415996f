UPDATE {{ state }}.sync_run
SET message = NULL
WHERE started_at < :cutoff AND status <> 'running' AND message IS NOT NULL;
