-- A page of a tenant's audit events (or one list's) newer than the event `after`, oldest first (keyset; the
-- service turns it around to newest first).
SELECT id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id
FROM {{ state }}.audit_event
WHERE tenant_id = :tenant_id
  AND (:list_id IS NULL OR list_id = :list_id)
  AND id > :after
ORDER BY id ASC
LIMIT :limit;
