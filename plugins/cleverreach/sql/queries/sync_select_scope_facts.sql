-- The list's applied runs since its last full reconciliation that finished with success, newest first, and that
-- reconciliation itself: a changes-only run is planned only when every run since it succeeded
-- (cleverreach.sync.scope). The run asking is excluded; dry runs and erasures' leases do not count.
SELECT id, started_at, status, scope
FROM {{ state }}.sync_run
WHERE list_id = :list_id AND dry_run = :dry_run AND id <> :run_pk AND status <> 'erasure'
  AND id >= COALESCE((SELECT MAX(id) FROM {{ state }}.sync_run
                      WHERE list_id = :list_id AND dry_run = :dry_run AND scope = 'full' AND status = 'success'), 0)
ORDER BY id DESC;
