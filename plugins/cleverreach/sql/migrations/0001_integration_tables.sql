-- The integration's own tables. {{ identity_pk }} is the dialect's auto-increment primary key
-- (see cleverreach.crm.sql.DIALECT_TOKENS).
CREATE TABLE IF NOT EXISTS recipient_list (
    id {{ identity_pk }},
    tenant_id text NOT NULL REFERENCES tenant (id),
    external_id text NOT NULL,
    name text NOT NULL,
    short_description text,
    remote_member_count integer,
    remote_deleted_at timestamp NULL,
    imported_at timestamp,
    created_at timestamp NOT NULL,
    created_by text,
    changed_at timestamp,
    changed_by text,
    UNIQUE (tenant_id, external_id)
);

CREATE TABLE IF NOT EXISTS recipient_list_member (
    list_id integer NOT NULL REFERENCES recipient_list (id),
    contact_person_id integer NOT NULL REFERENCES contact_person (id),
    added_at timestamp NOT NULL,
    added_by text,
    sync_state text NOT NULL DEFAULT 'pending'
        CHECK (sync_state IN ('pending', 'synced', 'rejected', 'unsubscribed', 'bounced')),
    synced_at timestamp NULL,
    sync_error text NULL,
    PRIMARY KEY (list_id, contact_person_id)
);

CREATE INDEX IF NOT EXISTS recipient_list_member_contact_idx ON recipient_list_member (contact_person_id);

CREATE TABLE IF NOT EXISTS contact_history (
    id {{ identity_pk }},
    tenant_id text NOT NULL REFERENCES tenant (id),
    contact_person_id integer NOT NULL REFERENCES contact_person (id),
    occurred_at timestamp NOT NULL,
    kind text NOT NULL
        CHECK (kind IN ('mail_sent', 'mail_opened', 'mail_clicked', 'mail_bounced', 'unsubscribed')),
    subject text,
    detail text,
    source text NOT NULL,
    external_key text NOT NULL,
    UNIQUE (tenant_id, source, external_key)
);

CREATE INDEX IF NOT EXISTS contact_history_contact_idx ON contact_history (contact_person_id, occurred_at);

CREATE TABLE IF NOT EXISTS sync_run (
    id {{ identity_pk }},
    tenant_id text NOT NULL,
    list_id integer NULL,
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
    message text
);

CREATE INDEX IF NOT EXISTS sync_run_list_idx ON sync_run (tenant_id, list_id, started_at);

CREATE TABLE IF NOT EXISTS sync_change (
    id {{ identity_pk }},
    run_id integer NOT NULL REFERENCES sync_run (id),
    list_id integer,
    contact_person_id integer NULL,
    email text,
    action text NOT NULL,
    reason text,
    old_value text,
    new_value text,
    result text,
    error text
);

CREATE INDEX IF NOT EXISTS sync_change_run_idx ON sync_change (run_id);
