-- The list's remembered refusals: what CleverReach refused per member, by payload hash.
SELECT contact_person_id, action, payload_hash, reason
FROM {{ state }}.sync_refusal
WHERE list_id = :list_id;
