-- The tenant's per-mailing records (see migration 0009).
SELECT mailing_id, finished, read_at, unmatched, failures, error_class
FROM {{ state }}.mail_history_mailing
WHERE tenant_id = :tenant_id;
