DELETE FROM {{ state }}.cleverreach_tenant_grant WHERE tenant_id = :tenant_id;
