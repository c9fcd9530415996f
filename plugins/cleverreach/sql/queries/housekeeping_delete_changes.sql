DELETE FROM sync_change
WHERE run_id IN (SELECT id FROM sync_run WHERE started_at < :cutoff AND status <> 'running');
