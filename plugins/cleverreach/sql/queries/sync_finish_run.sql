UPDATE sync_run
SET status = :status, finished_at = :now, added = :added, updated = :updated, removed = :removed,
    rejected = :rejected, unchanged = :unchanged, message = :message
WHERE id = :id;
