-- The mail history's record per mailing: when it was last read (`read_at`, unix seconds, NULL = never
-- read completely), so that a loaded mailing is re-read only for the report states that can still
-- change and only from that time on; and its consecutive failures with the last error's class, so that
-- a mailing whose report keeps failing is skipped, reported and retried on the next run while the
-- watermarks wait before it.
CREATE TABLE IF NOT EXISTS mail_history_mailing (
    tenant_id text NOT NULL,
    mailing_id text NOT NULL,
    finished integer NOT NULL,
    read_at integer NULL,
    failures integer NOT NULL DEFAULT 0,
    error_class text NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (tenant_id, mailing_id)
);

CREATE INDEX IF NOT EXISTS mail_history_mailing_failed_idx ON mail_history_mailing (tenant_id, failures);
