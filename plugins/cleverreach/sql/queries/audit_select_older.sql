-- A page of a tenant's audit events (or one list's), newest first, older than the event `before` (keyset;
-- NULL = the newest page). Index audit_event_tenant_idx / audit_event_list_idx.
SELECT id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id
FROM {{ state }}.audit_event
WHERE tenant_id = :tenant_id
  AND (:list_id IS NULL OR list_id = :list_id)
  AND (:before IS NULL OR id < :before)
ORDER BY id DESC
LIMIT :limit;
