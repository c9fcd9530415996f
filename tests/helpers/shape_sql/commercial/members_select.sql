SELECT contact_id, sync_status AS state, sync_message AS error, added_by, last_synced_on AS synced_at
FROM marketing_list_member WHERE list_id = :list_id ORDER BY contact_id;
