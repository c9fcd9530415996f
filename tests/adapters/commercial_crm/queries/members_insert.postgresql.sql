-- Add contacts of the organisation to a list as "queued" (pending); an existing member row stays as it is.
--
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
INSERT INTO marketing_list_member (list_id, contact_id, added_on, added_by, sync_status)
SELECT CAST(:list_id AS bigint), c.contact_id,
       (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone),
       :actor, 'queued'
FROM contact c
JOIN organization o ON o.organization_id = c.organization_id
WHERE c.organization_id = :tenant_id AND c.contact_id IN :contact_ids
ON CONFLICT (list_id, contact_id) DO NOTHING;
