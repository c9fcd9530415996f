-- The tenant lifecycle (issue 17): renaming a tenant id and moving a tenant to another CleverReach account are
-- admin actions, audited as `tenant_renamed` and `tenant_moved` (cleverreach.tenants.lifecycle). SQLite cannot
-- alter a CHECK: audit_event is rebuilt with the two words added, every row kept with its id (the page pages by
-- id) and both indexes created again. The columns are those of 0004 (list_id text).

ALTER TABLE {{ state }}.audit_event RENAME TO audit_event_0004;

CREATE TABLE {{ state }}.audit_event (
    id {{ identity_pk }},
    occurred_at timestamp NOT NULL,
    tenant_id text NOT NULL,
    list_id text NULL,
    actor text NOT NULL CHECK ((substr(actor, 1, 5) = 'user:' AND length(actor) > 5)
                               OR (substr(actor, 1, 4) = 'run:' AND length(actor) > 6)),
    action text NOT NULL CHECK (action IN ('list_imported', 'list_revived', 'list_gone', 'list_renamed',
        'list_translation_set', 'list_translation_deleted', 'members_added', 'members_removed', 'sync_started',
        'sync_finished', 'sync_approved', 'access_granted', 'access_revoked', 'contact_erased', 'tenant_renamed',
        'tenant_moved')),
    detail text NOT NULL DEFAULT '{}',
    dag_id text NULL,
    run_id text NULL
);

INSERT INTO {{ state }}.audit_event (id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id)
SELECT id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id
FROM {{ state }}.audit_event_0004;

DROP TABLE {{ state }}.audit_event_0004;

CREATE INDEX {{ state_index }}audit_event_tenant_idx ON {{ state_ref }}audit_event (tenant_id, id);
CREATE INDEX {{ state_index }}audit_event_list_idx ON {{ state_ref }}audit_event (tenant_id, list_id, id);

-- The rename finds a tenant's grants and account bindings by tenant id.
CREATE INDEX IF NOT EXISTS {{ state_index }}cleverreach_tenant_grant_tenant_idx ON {{ state_ref }}cleverreach_tenant_grant (tenant_id);
CREATE INDEX IF NOT EXISTS {{ state_index }}cleverreach_tenant_account_tenant_idx ON {{ state_ref }}cleverreach_tenant_account (tenant_id);
