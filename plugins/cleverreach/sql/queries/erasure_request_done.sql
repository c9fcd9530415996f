-- Done: the counts stay, the contact ids and addresses go.
UPDATE {{ state }}.erasure_request
SET status = 'done', counts = :counts, finished_at = :now, contact_ids = NULL, emails = NULL, purged_at = :now
WHERE id = :id;
