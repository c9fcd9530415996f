-- The audit records the registration and removal of a list's receiver webhooks (`webhook_registered`,
-- `webhook_removed`, issue 22). SQLite cannot alter a CHECK: audit_event is rebuilt as in 0006 with the words
-- added, every row kept with its id and both indexes created again.
ALTER TABLE {{ state }}.audit_event RENAME TO audit_event_0010;

CREATE TABLE {{ state }}.audit_event (
    id {{ identity_pk }},
    occurred_at timestamp NOT NULL,
    tenant_id text NOT NULL,
    list_id text NULL,
    actor text NOT NULL CHECK ((substr(actor, 1, 5) = 'user:' AND length(actor) > 5)
                               OR (substr(actor, 1, 4) = 'run:' AND length(actor) > 6)),
    action text NOT NULL CHECK (action IN ('list_imported', 'list_revived', 'list_gone', 'list_renamed',
        'list_translation_set', 'list_translation_deleted', 'members_added', 'members_removed', 'sync_started',
        'sync_finished', 'sync_approved', 'sync_approval_used', 'access_granted', 'access_revoked', 'contact_erased',
        'tenant_renamed', 'tenant_moved', 'webhook_registered', 'webhook_removed')),
    detail text NOT NULL DEFAULT '{}',
    dag_id text NULL,
    run_id text NULL
);

INSERT INTO {{ state }}.audit_event (id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id)
SELECT id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id
FROM {{ state }}.audit_event_0010;

DROP TABLE {{ state }}.audit_event_0010;

CREATE INDEX {{ state_index }}audit_event_tenant_idx ON {{ state_ref }}audit_event (tenant_id, id);
CREATE INDEX {{ state_index }}audit_event_list_idx ON {{ state_ref }}audit_event (tenant_id, list_id, id);
