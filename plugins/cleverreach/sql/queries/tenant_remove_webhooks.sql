-- A move: the registrations name the old account's groups and its call tokens; no call is accepted any more (the old
-- account's hooks can only be removed in that account). The webhooks DAG registers the lists anew in the new one.
UPDATE {{ state }}.webhook_registration
SET call_token_sha256 = NULL, hook_status = 'removed', changed_at = :now
WHERE tenant_id = :tenant_id AND hook_status <> 'removed';
