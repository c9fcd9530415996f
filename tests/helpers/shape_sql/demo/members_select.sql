SELECT contact_person_id AS contact_id, sync_state AS state, sync_error AS error, added_by, synced_at
FROM recipient_list_member WHERE list_id = :list_id ORDER BY contact_person_id;
