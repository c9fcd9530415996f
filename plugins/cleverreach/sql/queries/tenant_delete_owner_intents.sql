-- A move: the ownership intents of the old account's groups go with the ownership record.
DELETE FROM {{ state }}.sync_owner_intent WHERE list_id IN :list_ids;
