-- Marketing lists, keyed by a bigint identity that starts above 2^31 (as in a CRM that has been running for a
-- while). The CRM uses lists for campaigns of its own too; a CleverReach list is one with a group id (a
-- nullable bigint). Members carry the CRM's own sync status words. Names and descriptions in other languages
-- live in a translation table of the list. SQLite: AUTOINCREMENT with its sequence set to start at
-- 5,000,000,000 (once, when the table is new).
CREATE TABLE IF NOT EXISTS marketing_list (
    list_id integer PRIMARY KEY AUTOINCREMENT,
    organization_id text NOT NULL REFERENCES organization (organization_id),
    list_name text NOT NULL,
    description text NULL,
    cleverreach_group_id bigint NULL,
    cleverreach_member_count integer NULL,
    cleverreach_deleted_on timestamp NULL,
    imported_on timestamp NULL,
    created_on timestamp NOT NULL,
    created_by text NULL,
    modified_on timestamp NULL,
    modified_by text NULL,
    UNIQUE (organization_id, cleverreach_group_id)
);

INSERT INTO sqlite_sequence (name, seq)
SELECT 'marketing_list', 4999999999
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'marketing_list');

CREATE TABLE IF NOT EXISTS marketing_list_translation (
    list_id bigint NOT NULL REFERENCES marketing_list (list_id),
    language_code text NOT NULL,
    list_name text NULL,
    description text NULL,
    modified_on timestamp NOT NULL,
    modified_by text NULL,
    PRIMARY KEY (list_id, language_code)
);

CREATE TABLE IF NOT EXISTS marketing_list_member (
    list_id bigint NOT NULL REFERENCES marketing_list (list_id),
    contact_id text NOT NULL REFERENCES contact (contact_id),
    added_on timestamp NOT NULL,
    added_by text NULL,
    sync_status text NOT NULL DEFAULT 'queued'
        CHECK (sync_status IN ('queued', 'in_sync', 'awaiting_opt_in', 'refused', 'opted_out', 'undeliverable')),
    last_synced_on timestamp NULL,
    sync_message text NULL,
    PRIMARY KEY (list_id, contact_id)
);

CREATE INDEX IF NOT EXISTS marketing_list_member_contact_idx ON marketing_list_member (contact_id);
CREATE INDEX IF NOT EXISTS marketing_list_member_status_idx ON marketing_list_member (list_id, sync_status, contact_id);
