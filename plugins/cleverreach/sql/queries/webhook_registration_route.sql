-- The registration a call to the endpoint's route names: the tenant id in the path is the registration's own, or,
-- after a rename, the one of the URL CleverReach was given (route_tenant_id).
SELECT id, tenant_id, list_id, group_id, event, url, verify, call_token_sha256, api_path, hook_status,
       registered_at, changed_at
FROM {{ state }}.webhook_registration
WHERE COALESCE(route_tenant_id, tenant_id) = :tenant_id AND list_id = :list_id AND event = :event
ORDER BY CASE hook_status WHEN 'removed' THEN 1 ELSE 0 END, id DESC;
