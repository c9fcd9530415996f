-- The local name and description of a list (the import keeps them).
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
UPDATE marketing_list
SET list_name = :name, description = :short_description, modified_by = :actor,
    modified_on = strftime('%Y-%m-%d %H:%M:%f', :now, o.utc_offset_minutes || ' minutes')
FROM organization o
WHERE o.organization_id = marketing_list.organization_id AND marketing_list.list_id = :list_id
  AND marketing_list.organization_id = :tenant_id;
