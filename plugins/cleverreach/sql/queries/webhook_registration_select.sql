-- One registration (the endpoint's route), or none.
SELECT id, tenant_id, list_id, group_id, event, url, verify, call_token_sha256, api_path, hook_status,
       registered_at, changed_at
FROM {{ state }}.webhook_registration
WHERE tenant_id = :tenant_id AND list_id = :list_id AND event = :event;
