-- What CleverReach refused for the erased persons, with the hash of what was sent.
DELETE FROM {{ state }}.sync_refusal
WHERE list_id IN :list_ids AND contact_person_id IN :contact_ids;
