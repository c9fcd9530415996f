DELETE FROM {{ state }}.cleverreach_tenant_grant WHERE username = :username AND tenant_id = :tenant_id;
