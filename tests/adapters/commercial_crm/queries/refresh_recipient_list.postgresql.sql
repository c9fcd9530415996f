-- Re-import: only the remote facts change; the local name and description are kept.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
UPDATE marketing_list
SET cleverreach_member_count = :remote_member_count, cleverreach_deleted_on = NULL,
    imported_on = (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone)
FROM organization o
WHERE o.organization_id = marketing_list.organization_id AND marketing_list.list_id = :id;
