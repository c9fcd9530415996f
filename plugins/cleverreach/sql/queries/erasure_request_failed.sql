-- Failed: the data stay for the retry (or until the retention purges them).
UPDATE {{ state }}.erasure_request
SET status = 'failed', counts = :counts, finished_at = :now
WHERE id = :id AND status <> 'done';
