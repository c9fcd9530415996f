-- Removed in CleverReach (or never there): no token is accepted any more.
UPDATE {{ state }}.webhook_registration
SET call_token_sha256 = NULL, hook_status = 'removed', changed_at = :now
WHERE tenant_id = :tenant_id AND list_id = :list_id AND event = :event;
