-- Re-import: only the remote facts change; the local name and description are kept.
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
UPDATE marketing_list
SET cleverreach_member_count = :remote_member_count, cleverreach_deleted_on = NULL,
    imported_on = strftime('%Y-%m-%d %H:%M:%f', :now, o.utc_offset_minutes || ' minutes')
FROM organization o
WHERE o.organization_id = marketing_list.organization_id AND marketing_list.list_id = :id;
