-- Forget ownership intents by e-mail key (settled, or about to be written again); the key list is an
-- expanding bind parameter.
DELETE FROM {{ state }}.sync_owner_intent
WHERE list_id = :list_id AND email_key IN :email_keys;
