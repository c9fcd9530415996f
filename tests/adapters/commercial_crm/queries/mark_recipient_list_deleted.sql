-- The group is gone in CleverReach: mark the list, never delete it.
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
UPDATE marketing_list
SET cleverreach_deleted_on = strftime('%Y-%m-%d %H:%M:%f', :now, o.utc_offset_minutes || ' minutes'),
    modified_on = strftime('%Y-%m-%d %H:%M:%f', :now, o.utc_offset_minutes || ' minutes'),
    modified_by = :actor
FROM organization o
WHERE o.organization_id = marketing_list.organization_id AND marketing_list.list_id = :id
  AND marketing_list.cleverreach_deleted_on IS NULL;
