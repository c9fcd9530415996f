-- The receivers the sync created or adopted for the erased persons (by contact key) or under their address
-- keys, with the group and receiver id to delete them by.
SELECT list_id, group_id, email_key, receiver_id FROM {{ state }}.sync_owned_receiver
WHERE list_id IN :list_ids AND (contact_person_id IN :contact_ids OR email_key IN :email_keys);
