-- The lease holder's sign of life, written with every batch; no row updated = the lease was taken over.
UPDATE {{ state }}.sync_run SET heartbeat_at = :now WHERE id = :id AND status = 'running';
