UPDATE recipient_list_member
SET sync_state = :sync_state, synced_at = :synced_at, sync_error = :sync_error
WHERE list_id = :list_id AND contact_person_id = :contact_person_id;
