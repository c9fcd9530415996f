-- Only while the integration's private migrations (plugins/cleverreach/sql/migrations) still run in the CRM
-- database: they create their tables with foreign keys into the demo CRM's `tenant` and `contact_person`
-- and index `contact_person`, and the watermark table references `recipient_list`. A German CRM has none of
-- these, so the test creates empty stand-ins and the watermark table without that foreign key before the
-- migrations run (CREATE TABLE IF NOT EXISTS then keeps it). The helper applies this file only when the
-- package still ships `migrations/`; once the private state lives in its own schema it is unused.
CREATE TABLE IF NOT EXISTS tenant (id text PRIMARY KEY);

CREATE TABLE IF NOT EXISTS contact_person (
    id integer PRIMARY KEY,
    tenant_id text,
    first_name text,
    last_name text,
    function text,
    email text
);

CREATE TABLE IF NOT EXISTS mail_history_watermark (
    list_id integer PRIMARY KEY,
    finished_until integer NOT NULL,
    updated_at timestamp NOT NULL
);
