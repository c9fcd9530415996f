-- Tenants to work on: every active tenant, or the one named (active or not, so the caller can say why).
SELECT id, name, cleverreach_conn_id, active, time_zone
FROM tenant
WHERE (:tenant_id IS NULL AND active) OR id = :tenant_id
ORDER BY id;
