-- Every spelling of an address the tenant's stored plans hold: the caller keeps those whose key
-- (cleverreach.sync.keys.email_key, IDNA 2008) is an erased one; SQL's lower() cannot compute that key.
SELECT DISTINCT email FROM {{ state }}.sync_change
WHERE list_id IN :list_ids AND email IS NOT NULL;
