-- The one use of an approval, by the sync run that applies the plan; no row updated = used already (or gone).
UPDATE {{ state }}.sync_approval
SET used_at = :now, used_by_sync_run = :sync_run_id
WHERE id = :id AND used_at IS NULL;
