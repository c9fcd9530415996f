-- Grant a tenant to a user; granting it twice changes nothing.
INSERT INTO {{ state }}.cleverreach_tenant_grant (username, tenant_id, granted_at, granted_by)
VALUES (:username, :tenant_id, :now, :actor)
ON CONFLICT (username, tenant_id) DO NOTHING;
