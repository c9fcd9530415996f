-- sync_state 'unconfirmed': the receiver exists but waits for the double opt-in confirmation.
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt (SQLite's documented procedure):
-- new table, copy, drop, rename, indexes again. Nothing references recipient_list_member.
CREATE TABLE recipient_list_member_rebuild (
    list_id integer NOT NULL REFERENCES recipient_list (id),
    contact_person_id integer NOT NULL REFERENCES contact_person (id),
    added_at timestamp NOT NULL,
    added_by text,
    sync_state text NOT NULL DEFAULT 'pending'
        CHECK (sync_state IN ('pending', 'synced', 'unconfirmed', 'rejected', 'unsubscribed', 'bounced')),
    synced_at timestamp NULL,
    sync_error text NULL,
    PRIMARY KEY (list_id, contact_person_id)
);

INSERT INTO recipient_list_member_rebuild (list_id, contact_person_id, added_at, added_by, sync_state, synced_at,
                                           sync_error)
SELECT list_id, contact_person_id, added_at, added_by, sync_state, synced_at, sync_error
FROM recipient_list_member;

DROP TABLE recipient_list_member;

ALTER TABLE recipient_list_member_rebuild RENAME TO recipient_list_member;

CREATE INDEX IF NOT EXISTS recipient_list_member_contact_idx ON recipient_list_member (contact_person_id);
CREATE INDEX IF NOT EXISTS recipient_list_member_state_idx ON recipient_list_member (list_id, sync_state, contact_person_id);
