-- The group is gone in CleverReach: mark the list, never delete it (members and history stay).
UPDATE recipient_list
SET remote_deleted_at = :now,
    changed_at = :now,
    changed_by = :actor
WHERE id = :id AND remote_deleted_at IS NULL;
