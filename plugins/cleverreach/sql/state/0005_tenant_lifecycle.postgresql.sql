-- The tenant lifecycle (issue 17): renaming a tenant id and moving a tenant to another CleverReach account are
-- admin actions, audited as `tenant_renamed` and `tenant_moved` (cleverreach.tenants.lifecycle). The action
-- CHECK of 0002 gets the two words; PostgreSQL named the inline constraint `audit_event_action_check`.

ALTER TABLE {{ state }}.audit_event DROP CONSTRAINT IF EXISTS audit_event_action_check;

ALTER TABLE {{ state }}.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'list_imported', 'list_revived', 'list_gone', 'list_renamed', 'list_translation_set', 'list_translation_deleted',
    'members_added', 'members_removed', 'sync_started', 'sync_finished', 'sync_approved', 'access_granted',
    'access_revoked', 'contact_erased', 'tenant_renamed', 'tenant_moved'));

-- The rename finds a tenant's runs by tenant id (the lease check too): sync_run's index leads with it already;
-- the mailing records' primary key leads with it; the grants' is (username, tenant_id), so a tenant needs its own.
CREATE INDEX IF NOT EXISTS {{ state_index }}cleverreach_tenant_grant_tenant_idx ON {{ state_ref }}cleverreach_tenant_grant (tenant_id);
CREATE INDEX IF NOT EXISTS {{ state_index }}cleverreach_tenant_account_tenant_idx ON {{ state_ref }}cleverreach_tenant_account (tenant_id);
