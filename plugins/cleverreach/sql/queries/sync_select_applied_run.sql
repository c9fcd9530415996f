-- One applied sync of the list that finished with success, if there is one: until there is, a sync of the
-- list is its first and takes over what hyperspace's own interface left in the group (sync.takeover).
SELECT id
FROM {{ state }}.sync_run
WHERE list_id = :list_id AND dry_run = :dry_run AND status = 'success'
LIMIT 1;
