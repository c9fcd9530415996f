-- Removal counts of the list's last applied runs, the baseline for the removal alert.
SELECT removed
FROM {{ state }}.sync_run
WHERE list_id = :list_id AND status IN ('success', 'partial') AND dry_run = :dry_run
ORDER BY id DESC
LIMIT 10;
