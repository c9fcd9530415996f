-- Tenants to work on: every active organisation, or the one named (active or not). Organisation ids are text
-- ("0042" keeps its zero); the CRM's "is_disabled" is the inverse of "active".
SELECT organization_id AS id, name, cleverreach_connection AS cleverreach_conn_id, NOT is_disabled AS active,
       time_zone
FROM organization
WHERE (:tenant_id IS NULL AND NOT is_disabled) OR organization_id = :tenant_id
ORDER BY organization_id;
