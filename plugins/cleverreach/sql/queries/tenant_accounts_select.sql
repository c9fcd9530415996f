-- The CleverReach accounts bound to one tenant (normally one).
SELECT account_id, conn_id, first_seen
FROM {{ state }}.cleverreach_tenant_account
WHERE tenant_id = :tenant_id
ORDER BY account_id;
