-- The audit records the registration and removal of a list's receiver webhooks (`webhook_registered`,
-- `webhook_removed`, issue 22); the action CHECK of 0006 gets the words.
ALTER TABLE {{ state }}.audit_event DROP CONSTRAINT IF EXISTS audit_event_action_check;

ALTER TABLE {{ state }}.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'list_imported', 'list_revived', 'list_gone', 'list_renamed', 'list_translation_set', 'list_translation_deleted',
    'members_added', 'members_removed', 'sync_started', 'sync_finished', 'sync_approved', 'sync_approval_used',
    'access_granted', 'access_revoked', 'contact_erased', 'tenant_renamed', 'tenant_moved', 'webhook_registered',
    'webhook_removed'));
