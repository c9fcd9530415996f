SELECT tenant_id, conn_id
FROM {{ state }}.cleverreach_tenant_account
WHERE account_id = :account_id;
