DELETE FROM {{ state }}.sync_change
WHERE run_id IN (SELECT id FROM {{ state }}.sync_run WHERE started_at < :cutoff AND status <> 'running');
