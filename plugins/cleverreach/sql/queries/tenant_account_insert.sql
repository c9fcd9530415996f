-- ON CONFLICT: two tasks of one tenant may claim the account at once; the select after it decides.
INSERT INTO {{ state }}.cleverreach_tenant_account (account_id, tenant_id, conn_id, first_seen)
VALUES (:account_id, :tenant_id, :conn_id, :now)
ON CONFLICT (account_id) DO NOTHING;
