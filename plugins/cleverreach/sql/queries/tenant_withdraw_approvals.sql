-- A move: an unused approval approved a plan against the old account's groups; no run may use it on the new one.
DELETE FROM {{ state }}.sync_approval WHERE tenant_id = :tenant_id AND used_at IS NULL;
