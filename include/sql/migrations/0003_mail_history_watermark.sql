-- How far the mail-history load has come per tenant: the latest `finished` time (unix seconds) of
-- the mailings whose history rows are committed. It only moves forward, and only after the rows.
CREATE TABLE IF NOT EXISTS mail_history_watermark (
    tenant_id text PRIMARY KEY REFERENCES tenant (id),
    finished_until integer NOT NULL,
    updated_at timestamp NOT NULL
);
