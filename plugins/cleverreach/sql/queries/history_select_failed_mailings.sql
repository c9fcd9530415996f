-- The tenant's mailings whose last read failed, oldest first: the watermarks wait before the first.
SELECT mailing_id, finished, read_at, unmatched, failures, error_class
FROM {{ state }}.mail_history_mailing
WHERE tenant_id = :tenant_id AND failures > 0
ORDER BY finished, mailing_id;
