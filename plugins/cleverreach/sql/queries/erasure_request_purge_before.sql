-- The retention: requests older than the cutoff lose their contact ids and addresses, whatever their status.
UPDATE {{ state }}.erasure_request
SET contact_ids = NULL, emails = NULL, purged_at = :now
WHERE requested_at < :cutoff AND purged_at IS NULL;
