-- The tenant's recipient lists with their CleverReach group id; the history load keeps one watermark per list
-- in its private state (queries/history_select_watermarks of the package).
SELECT l.id AS list_id, l.external_id
FROM recipient_list l
WHERE l.tenant_id = :tenant_id
ORDER BY l.id;
