-- Forget owned receivers by e-mail key (removed, released, or about to be written again); the key list
-- is an expanding bind parameter.
DELETE FROM {{ state }}.sync_owned_receiver
WHERE list_id = :list_id AND email_key IN :email_keys;
