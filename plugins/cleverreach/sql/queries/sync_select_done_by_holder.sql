-- A list's sync that an earlier attempt of the same task (the lease holder: DAG, run, task, map index) finished:
-- the retry of a batch of lists (cleverreach.operators.sync_recipients) does not sync it again.
SELECT id, status, scope, added, updated, removed, rejected, unchanged
FROM {{ state }}.sync_run
WHERE list_id = :list_id AND lease_holder = :holder AND dry_run = :dry_run
  AND status IN ('success', 'partial', 'dry_run')
ORDER BY id DESC
LIMIT 1;
