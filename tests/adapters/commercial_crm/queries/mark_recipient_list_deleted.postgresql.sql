-- The group is gone in CleverReach: mark the list, never delete it.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
UPDATE marketing_list
SET cleverreach_deleted_on = (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone),
    modified_on = (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone),
    modified_by = :actor
FROM organization o
WHERE o.organization_id = marketing_list.organization_id AND marketing_list.list_id = :id
  AND marketing_list.cleverreach_deleted_on IS NULL;
