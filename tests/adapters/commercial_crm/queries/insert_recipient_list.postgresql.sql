-- First import of a group as a marketing list (the group id into the bigint column); the unique
-- (organization_id, cleverreach_group_id) keeps a repeated import from creating a second one or overwriting a
-- local rename.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
INSERT INTO marketing_list
    (organization_id, cleverreach_group_id, list_name, description, cleverreach_member_count, imported_on,
     created_on, created_by)
SELECT o.organization_id, CAST(:external_id AS bigint), :name, :short_description, :remote_member_count,
       (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone),
       (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone),
       :actor
FROM organization o
WHERE o.organization_id = :tenant_id
ON CONFLICT (organization_id, cleverreach_group_id) DO NOTHING;
