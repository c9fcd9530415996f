-- A mailing read completely or re-read: when the read started; its failures are over.
INSERT INTO {{ state }}.mail_history_mailing (tenant_id, mailing_id, finished, read_at, unmatched, failures, error_class, updated_at)
VALUES (:tenant_id, :mailing_id, :finished, :read_at, :unmatched, 0, NULL, :now)
ON CONFLICT (tenant_id, mailing_id) DO UPDATE
SET finished = excluded.finished,
    read_at = excluded.read_at,
    unmatched = excluded.unmatched,
    failures = 0,
    error_class = NULL,
    updated_at = excluded.updated_at;
