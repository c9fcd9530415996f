-- Re-import: only the remote facts change; the local name and description are kept.
UPDATE recipient_list
SET remote_member_count = :remote_member_count,
    remote_deleted_at = NULL,
    imported_at = :now
WHERE id = :id;
