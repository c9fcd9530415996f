-- Contacts, keyed by UUID (SQLite has no uuid type: the canonical lower-case text). A contact has a primary and a
-- secondary e-mail column; only the primary is the marketing address. "do_not_bulk_email" is the contact's
-- marketing block, "deleted_on" its soft deletion (the row stays, its data is blanked); "modified_on" is
-- stamped by the CRM on every change, in the organisation's local time.
CREATE TABLE IF NOT EXISTS contact (
    contact_id text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organization (organization_id),
    parent_account_id bigint NULL REFERENCES account (account_id),
    salutation text NULL,
    first_name text NULL,
    last_name text NULL,
    job_title text NULL,
    email_address1 text NULL,
    email_address2 text NULL,
    do_not_bulk_email boolean NOT NULL DEFAULT false,
    deleted_on timestamp NULL,
    created_on timestamp NULL,
    modified_on timestamp NULL
);

CREATE INDEX IF NOT EXISTS contact_organization_idx ON contact (organization_id);
CREATE INDEX IF NOT EXISTS contact_account_idx ON contact (parent_account_id);
CREATE INDEX IF NOT EXISTS contact_name_idx ON contact (organization_id, last_name, first_name, contact_id);
