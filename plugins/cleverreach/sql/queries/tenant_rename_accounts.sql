-- The binding follows the tenant, with the connection the renamed tenant uses now (cleverreach_<new id> or the
-- one its CRM row names).
UPDATE {{ state }}.cleverreach_tenant_account SET tenant_id = :new_tenant_id, conn_id = :conn_id
WHERE tenant_id = :tenant_id;
