-- Member states of many contacts at once; the id list is an expanding bind parameter.
UPDATE recipient_list_member
SET sync_state = :sync_state, synced_at = :synced_at, sync_error = :sync_error
WHERE list_id = :list_id AND contact_person_id IN :contact_ids;
