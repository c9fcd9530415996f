-- A user granted OLD is granted NEW (a grant of NEW made beforehand stays as it is).
INSERT INTO {{ state }}.cleverreach_tenant_grant (username, tenant_id, granted_at, granted_by)
SELECT username, :new_tenant_id, granted_at, granted_by
FROM {{ state }}.cleverreach_tenant_grant
WHERE tenant_id = :tenant_id
ON CONFLICT (username, tenant_id) DO NOTHING;
