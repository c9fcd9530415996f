-- How many in-sync members of a list have a contact that changed after their last sync (the page shows them as
-- pending). Both times are the organisation's local time, so they compare as they are.
SELECT count(*) AS n
FROM marketing_list_member m
JOIN contact c ON c.contact_id = m.contact_id
WHERE m.list_id = :list_id AND m.sync_status = 'in_sync' AND c.organization_id = :tenant_id
  AND c.modified_on IS NOT NULL AND (m.last_synced_on IS NULL OR c.modified_on > m.last_synced_on);
