-- The ownership record of the erased persons' receivers (they are gone from CleverReach).
DELETE FROM {{ state }}.sync_owned_receiver
WHERE list_id IN :list_ids AND (contact_person_id IN :contact_ids OR email_key IN :email_keys);
