-- The fence's check between heartbeats: the lease is still this run's (no row = taken over). A read: nothing to
-- commit before each batch.
SELECT 1 FROM {{ state }}.sync_run WHERE id = :id AND status = 'running';
