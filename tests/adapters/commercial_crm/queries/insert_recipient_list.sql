-- First import of a group as a marketing list (the group id into the bigint column); the unique
-- (organization_id, cleverreach_group_id) keeps a repeated import from creating a second one or overwriting a
-- local rename.
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
INSERT INTO marketing_list
    (organization_id, cleverreach_group_id, list_name, description, cleverreach_member_count, imported_on,
     created_on, created_by)
SELECT o.organization_id, CAST(:external_id AS bigint), :name, :short_description, :remote_member_count,
       strftime('%Y-%m-%d %H:%M:%f', :now, o.utc_offset_minutes || ' minutes'),
       strftime('%Y-%m-%d %H:%M:%f', :now, o.utc_offset_minutes || ' minutes'),
       :actor
FROM organization o
WHERE o.organization_id = :tenant_id
ON CONFLICT (organization_id, cleverreach_group_id) DO NOTHING;
