-- Forget one run's own ownership intents once the ownership of every batch it sent is saved: only its own, so an
-- attempt that lost its lease never deletes the intents of the attempt that took it over.
DELETE FROM {{ state }}.sync_owner_intent
WHERE list_id = :list_id AND sync_run_id = :run_id;
