-- Companies ("accounts"), keyed by bigint, with an account number (the matchcode), a relationship type (the
-- category), tags (m:n as plain rows) and opportunities, whose sales process names the dialog filters on.
-- A company-wide "do not bulk e-mail" applies to every contact of the account.
CREATE TABLE IF NOT EXISTS account (
    account_id bigint PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organization (organization_id),
    name text NOT NULL,
    account_number text NULL,
    address1_city text NULL,
    relationship_type text NULL,
    do_not_bulk_email boolean NOT NULL DEFAULT false,
    modified_on timestamp NULL
);

CREATE INDEX IF NOT EXISTS account_organization_idx ON account (organization_id);

CREATE TABLE IF NOT EXISTS account_tag (
    account_id bigint NOT NULL REFERENCES account (account_id),
    tag text NOT NULL,
    PRIMARY KEY (account_id, tag)
);

CREATE TABLE IF NOT EXISTS opportunity (
    opportunity_id {{ identity_pk }},
    account_id bigint NOT NULL REFERENCES account (account_id),
    sales_process text NOT NULL,
    created_on timestamp NULL
);

CREATE INDEX IF NOT EXISTS opportunity_account_idx ON opportunity (account_id);
