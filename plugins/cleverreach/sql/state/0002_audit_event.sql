-- The audit trail (issue 11): who did what, append-only. `actor` is a person (`user:<name>`, the user who
-- triggered the run or used the page) or a run (`run:<dag_id>/<run_id>`, a scheduled run or backfill);
-- `dag_id`/`run_id` name the Airflow run it happened in (for an approval: the run it started). `detail` is
-- JSON with counts and ids only, never names or e-mail addresses, so the retention never deletes a row.
CREATE TABLE IF NOT EXISTS {{ state }}.audit_event (
    id {{ identity_pk }},
    occurred_at timestamp NOT NULL,
    tenant_id text NOT NULL,
    list_id integer NULL,
    actor text NOT NULL CHECK ((substr(actor, 1, 5) = 'user:' AND length(actor) > 5)
                               OR (substr(actor, 1, 4) = 'run:' AND length(actor) > 6)),
    action text NOT NULL CHECK (action IN ('list_imported', 'list_revived', 'list_gone', 'list_renamed',
        'list_translation_set', 'list_translation_deleted', 'members_added', 'members_removed', 'sync_started',
        'sync_finished', 'sync_approved', 'access_granted', 'access_revoked', 'contact_erased')),
    detail text NOT NULL DEFAULT '{}',
    dag_id text NULL,
    run_id text NULL
);

-- The page reads a tenant's events, or one list's, newest first by id (keyset).
CREATE INDEX IF NOT EXISTS {{ state_index }}audit_event_tenant_idx ON {{ state_ref }}audit_event (tenant_id, id);
CREATE INDEX IF NOT EXISTS {{ state_index }}audit_event_list_idx ON {{ state_ref }}audit_event (tenant_id, list_id, id);
