-- A mailing whose read failed: count it (consecutive failures) and keep the error's class. `read_at`
-- stays as it was, so the next run reads from the same point.
INSERT INTO {{ state }}.mail_history_mailing (tenant_id, mailing_id, finished, read_at, failures, error_class, updated_at)
VALUES (:tenant_id, :mailing_id, :finished, NULL, 1, :error_class, :now)
ON CONFLICT (tenant_id, mailing_id) DO UPDATE
SET failures = mail_history_mailing.failures + 1,
    error_class = excluded.error_class,
    updated_at = excluded.updated_at;
