-- Ownership intents of the erased persons, by contact key or by address key.
DELETE FROM {{ state }}.sync_owner_intent
WHERE list_id IN :list_ids AND (contact_person_id IN :contact_ids OR email_key IN :email_keys);
