-- A tenant's registrations, or one list's.
SELECT id, tenant_id, list_id, group_id, event, url, api_path, hook_status, registered_at, changed_at
FROM {{ state }}.webhook_registration
WHERE tenant_id = :tenant_id AND (:list_id IS NULL OR list_id = :list_id)
ORDER BY list_id, event;
