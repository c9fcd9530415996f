-- Members whose last write CleverReach refused item by item, with a hash of what was sent: the sync
-- does not send the same thing again (a re-sync of an unchanged list makes no write call), only
-- after the member's e-mail or attributes change. A later successful write removes the row.
CREATE TABLE IF NOT EXISTS sync_refusal (
    list_id integer NOT NULL,
    contact_person_id integer NOT NULL,
    action text NOT NULL CHECK (action IN ('add', 'update')),
    payload_hash text NOT NULL,
    reason text,
    refused_at timestamp NOT NULL,
    PRIMARY KEY (list_id, contact_person_id)
);
