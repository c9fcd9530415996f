-- The CRM entities the integration reads and writes (issue 11's kind (b)): recipient lists with their
-- translations, list members with the "synchronised" flag, and the contact history. They belong to the CRM
-- (its screens show them) and are created by the CRM, not by the integration, whose database role needs no
-- DDL right. The tests and the demo create them here. A member or a history row goes with its contact, and a
-- member and a translation with their list: the CRM may delete its rows without asking the integration,
-- whose next sync then removes the deleted contact's receivers (it keeps its own record of what it owns).
CREATE TABLE IF NOT EXISTS recipient_list (
    id {{ identity_pk }},
    tenant_id text NOT NULL REFERENCES tenant (id),
    external_id text NOT NULL,
    name text NOT NULL,
    short_description text,
    remote_member_count integer,
    remote_deleted_at {{ timestamp_utc }} NULL,
    imported_at {{ timestamp_utc }},
    created_at {{ timestamp_utc }} NOT NULL,
    created_by text,
    changed_at {{ timestamp_utc }},
    changed_by text,
    UNIQUE (tenant_id, external_id)
);

-- The list's name and short description per language (the CRM's "Sprachen" tab); the list's own name
-- and short_description stay the default language.
CREATE TABLE IF NOT EXISTS recipient_list_translation (
    list_id integer NOT NULL REFERENCES recipient_list (id) ON DELETE CASCADE,
    language text NOT NULL,
    name text NOT NULL,
    short_description text,
    changed_at {{ timestamp_utc }} NOT NULL,
    changed_by text,
    PRIMARY KEY (list_id, language)
);

CREATE TABLE IF NOT EXISTS recipient_list_member (
    list_id integer NOT NULL REFERENCES recipient_list (id) ON DELETE CASCADE,
    contact_person_id integer NOT NULL REFERENCES contact_person (id) ON DELETE CASCADE,
    added_at {{ timestamp_utc }} NOT NULL,
    added_by text,
    sync_state text NOT NULL DEFAULT 'pending'
        CHECK (sync_state IN ('pending', 'synced', 'unconfirmed', 'rejected', 'unsubscribed', 'bounced')),
    synced_at {{ timestamp_utc }} NULL,
    sync_error text NULL,
    PRIMARY KEY (list_id, contact_person_id)
);

CREATE INDEX IF NOT EXISTS recipient_list_member_contact_idx ON recipient_list_member (contact_person_id);
-- The members page pages a list by state and by the date added without reading the whole list
-- (cleverreach.ui.keyset): each order has an index that ends in the contact id.
CREATE INDEX IF NOT EXISTS recipient_list_member_state_idx ON recipient_list_member (list_id, sync_state, contact_person_id);
CREATE INDEX IF NOT EXISTS recipient_list_member_added_idx ON recipient_list_member (list_id, added_at, contact_person_id);

CREATE TABLE IF NOT EXISTS contact_history (
    id {{ identity_pk }},
    tenant_id text NOT NULL REFERENCES tenant (id),
    contact_person_id integer NOT NULL REFERENCES contact_person (id) ON DELETE CASCADE,
    occurred_at {{ timestamp_utc }} NOT NULL,
    kind text NOT NULL
        CHECK (kind IN ('mail_sent', 'mail_opened', 'mail_clicked', 'mail_bounced', 'unsubscribed')),
    subject text,
    detail text,
    source text NOT NULL,
    external_key text NOT NULL,
    UNIQUE (tenant_id, source, external_key)
);

CREATE INDEX IF NOT EXISTS contact_history_contact_idx ON contact_history (contact_person_id, occurred_at);
