-- Keys of any kind (issue 17): every list and contact key of the private state becomes `text` (see the
-- PostgreSQL variant). SQLite cannot change a column's type, and an `integer` column would turn the text
-- '0042' back into the number 42: each table is rebuilt with text columns and the same rows, an integer
-- becoming its decimal text (CAST(41 AS TEXT) = '41'). The old table is renamed first: SQLite then points
-- sync_change's foreign key at the renamed sync_run, so nothing references a table while it is dropped, and
-- the rebuilt sync_change references the rebuilt sync_run. Indexes go with the old tables and are created
-- again on the new ones (the lease's partial unique index included).

ALTER TABLE {{ state }}.sync_run RENAME TO sync_run_0003;
ALTER TABLE {{ state }}.sync_change RENAME TO sync_change_0003;
ALTER TABLE {{ state }}.sync_owned_receiver RENAME TO sync_owned_receiver_0003;
ALTER TABLE {{ state }}.sync_refusal RENAME TO sync_refusal_0003;
ALTER TABLE {{ state }}.mail_history_watermark RENAME TO mail_history_watermark_0003;
ALTER TABLE {{ state }}.audit_event RENAME TO audit_event_0003;

CREATE TABLE {{ state }}.sync_run (
    id {{ identity_pk }},
    tenant_id text NOT NULL,
    list_id text NULL,
    dag_id text,
    run_id text,
    started_at timestamp NOT NULL,
    finished_at timestamp NULL,
    status text NOT NULL,
    dry_run boolean NOT NULL DEFAULT false,
    added integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    removed integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    message text,
    alert text NULL,
    lease_holder text NULL,
    attempt integer NULL,
    heartbeat_at timestamp NULL
);

INSERT INTO {{ state }}.sync_run (id, tenant_id, list_id, dag_id, run_id, started_at, finished_at, status, dry_run,
                                  added, updated, removed, rejected, unchanged, message, alert, lease_holder,
                                  attempt, heartbeat_at)
SELECT id, tenant_id, CAST(list_id AS TEXT), dag_id, run_id, started_at, finished_at, status, dry_run,
       added, updated, removed, rejected, unchanged, message, alert, lease_holder, attempt, heartbeat_at
FROM {{ state }}.sync_run_0003;

CREATE TABLE {{ state }}.sync_change (
    id {{ identity_pk }},
    run_id integer NOT NULL REFERENCES {{ state_ref }}sync_run (id),
    list_id text,
    contact_person_id text NULL,
    email text,
    action text NOT NULL,
    reason text,
    old_value text,
    new_value text,
    result text,
    error text
);

INSERT INTO {{ state }}.sync_change (id, run_id, list_id, contact_person_id, email, action, reason, old_value,
                                     new_value, result, error)
SELECT id, run_id, CAST(list_id AS TEXT), CAST(contact_person_id AS TEXT), email, action, reason, old_value,
       new_value, result, error
FROM {{ state }}.sync_change_0003;

CREATE TABLE {{ state }}.sync_owned_receiver (
    list_id text NOT NULL,
    group_id text NOT NULL,
    email_key text NOT NULL,
    receiver_id text NULL,
    contact_person_id text NULL,
    origin text NOT NULL CHECK (origin IN ('created', 'adopted')),
    since timestamp NOT NULL,
    our_deactivated integer NULL,
    PRIMARY KEY (list_id, email_key)
);

INSERT INTO {{ state }}.sync_owned_receiver (list_id, group_id, email_key, receiver_id, contact_person_id, origin,
                                             since, our_deactivated)
SELECT CAST(list_id AS TEXT), group_id, email_key, receiver_id, CAST(contact_person_id AS TEXT), origin, since,
       our_deactivated
FROM {{ state }}.sync_owned_receiver_0003;

CREATE TABLE {{ state }}.sync_refusal (
    list_id text NOT NULL,
    contact_person_id text NOT NULL,
    action text NOT NULL CHECK (action IN ('add', 'update')),
    payload_hash text NOT NULL,
    reason text,
    refused_at timestamp NOT NULL,
    PRIMARY KEY (list_id, contact_person_id)
);

INSERT INTO {{ state }}.sync_refusal (list_id, contact_person_id, action, payload_hash, reason, refused_at)
SELECT CAST(list_id AS TEXT), CAST(contact_person_id AS TEXT), action, payload_hash, reason, refused_at
FROM {{ state }}.sync_refusal_0003;

CREATE TABLE {{ state }}.mail_history_watermark (
    list_id text PRIMARY KEY,
    finished_until integer NOT NULL,
    updated_at timestamp NOT NULL
);

INSERT INTO {{ state }}.mail_history_watermark (list_id, finished_until, updated_at)
SELECT CAST(list_id AS TEXT), finished_until, updated_at
FROM {{ state }}.mail_history_watermark_0003;

CREATE TABLE {{ state }}.audit_event (
    id {{ identity_pk }},
    occurred_at timestamp NOT NULL,
    tenant_id text NOT NULL,
    list_id text NULL,
    actor text NOT NULL CHECK ((substr(actor, 1, 5) = 'user:' AND length(actor) > 5)
                               OR (substr(actor, 1, 4) = 'run:' AND length(actor) > 6)),
    action text NOT NULL CHECK (action IN ('list_imported', 'list_revived', 'list_gone', 'list_renamed',
        'list_translation_set', 'list_translation_deleted', 'members_added', 'members_removed', 'sync_started',
        'sync_finished', 'sync_approved', 'access_granted', 'access_revoked', 'contact_erased')),
    detail text NOT NULL DEFAULT '{}',
    dag_id text NULL,
    run_id text NULL
);

INSERT INTO {{ state }}.audit_event (id, occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id)
SELECT id, occurred_at, tenant_id, CAST(list_id AS TEXT), actor, action, detail, dag_id, run_id
FROM {{ state }}.audit_event_0003;

DROP TABLE {{ state }}.sync_change_0003;
DROP TABLE {{ state }}.sync_run_0003;
DROP TABLE {{ state }}.sync_owned_receiver_0003;
DROP TABLE {{ state }}.sync_refusal_0003;
DROP TABLE {{ state }}.mail_history_watermark_0003;
DROP TABLE {{ state }}.audit_event_0003;

CREATE INDEX {{ state_index }}sync_run_list_idx ON {{ state_ref }}sync_run (tenant_id, list_id, started_at);
CREATE UNIQUE INDEX {{ state_index }}sync_run_one_running_per_list ON {{ state_ref }}sync_run (list_id)
    WHERE status = 'running';
CREATE INDEX {{ state_index }}sync_change_run_idx ON {{ state_ref }}sync_change (run_id);
CREATE INDEX {{ state_index }}sync_change_run_email_idx ON {{ state_ref }}sync_change (run_id, email);
CREATE INDEX {{ state_index }}audit_event_tenant_idx ON {{ state_ref }}audit_event (tenant_id, id);
CREATE INDEX {{ state_index }}audit_event_list_idx ON {{ state_ref }}audit_event (tenant_id, list_id, id);
