-- The tenants granted to one user (no rows: the user is not limited to tenants), or every grant.
SELECT username, tenant_id, granted_at, granted_by
FROM {{ state }}.cleverreach_tenant_grant
WHERE :username IS NULL OR username = :username
ORDER BY username, tenant_id;
