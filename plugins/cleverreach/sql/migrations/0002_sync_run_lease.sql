-- At most one running sync per list: the lease that keeps two runs on one list from interleaving.
-- A second run that tries to start while one is running fails on this index.
CREATE UNIQUE INDEX IF NOT EXISTS sync_run_one_running_per_list ON sync_run (list_id) WHERE status = 'running';

-- sync_change rows are updated with each batch's per-item results, by run and e-mail.
CREATE INDEX IF NOT EXISTS sync_change_run_email_idx ON sync_change (run_id, email);
