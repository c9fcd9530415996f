-- The ownership intents a list's earlier runs left behind (sync_owner_intent, state/0008).
SELECT email_key, contact_person_id, origin, sync_run_id
FROM {{ state }}.sync_owner_intent
WHERE list_id = :list_id AND group_id = :group_id;
