-- The local name and description of a list (the import keeps them).
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
UPDATE marketing_list
SET list_name = :name, description = :short_description, modified_by = :actor,
    modified_on = (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone)
FROM organization o
WHERE o.organization_id = marketing_list.organization_id AND marketing_list.list_id = :list_id
  AND marketing_list.organization_id = :tenant_id;
