-- The private tables as release 0.1 left them in the CRM's own schema (its migrations 0001-0017, applied in
-- full): unqualified, and mail_history_watermark with a foreign key into the CRM's recipient_list. Only the
-- adoption test uses this file.

-- One row per sync of a list: its counts, status and, while running, the list's lease.
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
    message text,
    alert text NULL,
    lease_holder text NULL,
    attempt integer NULL,
    heartbeat_at timestamp NULL
);

CREATE INDEX IF NOT EXISTS sync_run_list_idx ON sync_run (tenant_id, list_id, started_at);

-- At most one running sync per list: the lease that keeps two runs on one list from interleaving.
CREATE UNIQUE INDEX IF NOT EXISTS sync_run_one_running_per_list ON sync_run (list_id)
    WHERE status = 'running';

-- The stored plan of a run: every change with its reason, old and new values, and its result.
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
CREATE INDEX IF NOT EXISTS sync_change_run_email_idx ON sync_change (run_id, email);

-- Which receivers of a list's group the sync created or adopted: only these are ever updated, deactivated
-- or removed (global attribute values are account-wide, so an ext_id proves nothing).
--   email_key        the address as compared (lower case, domain in its ASCII/punycode form)
--   our_deactivated  the receiver's `deactivated` stamp when the sync deactivated it, 0 = stamp read on the
--                    next sync; NULL = not deactivated by the sync
CREATE TABLE IF NOT EXISTS sync_owned_receiver (
    list_id integer NOT NULL,
    group_id text NOT NULL,
    email_key text NOT NULL,
    receiver_id text NULL,
    contact_person_id integer NULL,
    origin text NOT NULL CHECK (origin IN ('created', 'adopted')),
    since timestamp NOT NULL,
    our_deactivated integer NULL,
    PRIMARY KEY (list_id, email_key)
);

-- Members whose last write CleverReach refused, with a hash of what was sent: not resent until it changes.
CREATE TABLE IF NOT EXISTS sync_refusal (
    list_id integer NOT NULL,
    contact_person_id integer NOT NULL,
    action text NOT NULL CHECK (action IN ('add', 'update')),
    payload_hash text NOT NULL,
    reason text,
    refused_at timestamp NOT NULL,
    PRIMARY KEY (list_id, contact_person_id)
);

-- How far the mail-history load has come per list: the latest `finished` time (unix seconds) read.
CREATE TABLE IF NOT EXISTS mail_history_watermark (
    list_id integer PRIMARY KEY REFERENCES recipient_list (id),
    finished_until integer NOT NULL,
    updated_at timestamp NOT NULL
);

-- The mail history's record per mailing: when it was last read completely, its consecutive failures, and
-- how many report receivers matched no contact (then the re-read days read it in full again).
CREATE TABLE IF NOT EXISTS mail_history_mailing (
    tenant_id text NOT NULL,
    mailing_id text NOT NULL,
    finished integer NOT NULL,
    read_at integer NULL,
    failures integer NOT NULL DEFAULT 0,
    error_class text NULL,
    updated_at timestamp NOT NULL,
    unmatched integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, mailing_id)
);

CREATE INDEX IF NOT EXISTS mail_history_mailing_failed_idx ON mail_history_mailing (tenant_id, failures);

-- Which tenants a user may see and act on; a user without rows is not limited.
CREATE TABLE IF NOT EXISTS cleverreach_tenant_grant (
    username text NOT NULL,
    tenant_id text NOT NULL,
    granted_at timestamp NOT NULL,
    granted_by text,
    PRIMARY KEY (username, tenant_id)
);

-- The last CleverReach login check per tenant, from the page's "check login" button.
CREATE TABLE IF NOT EXISTS cleverreach_login_check (
    tenant_id text PRIMARY KEY,
    checked_at timestamp NOT NULL,
    ok boolean NOT NULL,
    message text,
    checked_by text
);

-- Which tenant uses which CleverReach account (seen through debug/whoami): two tenants never share one.
CREATE TABLE IF NOT EXISTS cleverreach_tenant_account (
    account_id text PRIMARY KEY,
    tenant_id text NOT NULL,
    conn_id text,
    first_seen timestamp NOT NULL
);

CREATE TABLE IF NOT EXISTS cleverreach_schema_migration (
    version text PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamp NOT NULL
);
