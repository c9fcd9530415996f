-- The registration call succeeded: the call token's hash and the path that answered.
UPDATE {{ state }}.webhook_registration
SET call_token_sha256 = :call_token_sha256, api_path = :api_path, hook_status = 'active', registered_at = :now,
    changed_at = :now
WHERE tenant_id = :tenant_id AND list_id = :list_id AND event = :event;
