-- Approvals of plans the mass-removal guard blocked (issue 18): a right no editor holds, wherever a run is
-- triggered from. Only the page's approve endpoint (an admin's permission) writes a row; it binds the row to the
-- Airflow run it triggers (`dag_id`, `dag_run_id`, chosen by the page), and only that run may apply a blocked
-- plan, once, within what was approved: at most `max_removals`, and only receivers that the blocked run's stored
-- plan (`sync_change` rows with a removal action) removes (cleverreach.sync.approval).
CREATE TABLE IF NOT EXISTS {{ state }}.sync_approval (
    id {{ identity_pk }},
    tenant_id text NOT NULL,
    list_id text NOT NULL,
    blocked_sync_run_id integer NOT NULL REFERENCES {{ state_ref }}sync_run (id),
    max_removals integer NOT NULL CHECK (max_removals >= 0),
    approved_by text NOT NULL,
    approved_at {{ timestamp_utc }} NOT NULL,
    dag_id text NOT NULL,
    dag_run_id text NOT NULL,
    used_at {{ timestamp_utc }} NULL,
    used_by_sync_run integer NULL REFERENCES {{ state_ref }}sync_run (id)
);

-- One approval per Airflow run: the run finds its own, and no second approval can be bound to it.
CREATE UNIQUE INDEX IF NOT EXISTS {{ state_index }}sync_approval_run_idx ON {{ state_ref }}sync_approval (dag_id, dag_run_id);

-- The audit records the use of an approval (`sync_approval_used`). SQLite cannot alter a CHECK: audit_event is
-- rebuilt as in 0005 with the word added, every row kept with its id and both indexes created again.
ALTER TABLE {{ state }}.audit_event RENAME TO audit_event_0005;

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
        'tenant_renamed', 'tenant_moved')),
    detail text NOT NULL DEFAULT '{}',
    dag_id text NULL,
    run_id text NULL
);

INSERT INTO {{ state }}.audit_event (id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id)
SELECT id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id
FROM {{ state }}.audit_event_0005;

DROP TABLE {{ state }}.audit_event_0005;

CREATE INDEX {{ state_index }}audit_event_tenant_idx ON {{ state_ref }}audit_event (tenant_id, id);
CREATE INDEX {{ state_index }}audit_event_list_idx ON {{ state_ref }}audit_event (tenant_id, list_id, id);
