-- The group vanished while syncing: mark the list like the import does (never delete it).
UPDATE recipient_list
SET remote_deleted_at = :now, changed_at = :now, changed_by = :actor
WHERE id = :list_id AND remote_deleted_at IS NULL;
