-- How many synced members of a list have a contact that changed in the CRM after their last sync: the
-- page shows them as pending (cleverreach.sync.staleness), so the counts per state do too.
SELECT count(*) AS n
FROM recipient_list_member m
JOIN contact_person p ON p.id = m.contact_person_id
WHERE m.list_id = :list_id AND m.sync_state = 'synced' AND p.tenant_id = :tenant_id
  AND p.changed_at IS NOT NULL AND (m.synced_at IS NULL OR p.changed_at > m.synced_at);
