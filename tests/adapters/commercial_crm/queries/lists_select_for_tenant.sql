-- The organisation's CleverReach lists, or the one named if it is the organisation's: the marketing lists that
-- carry a CleverReach group id (the CRM's other lists, for its own campaigns, are not the integration's).
--
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
SELECT l.list_id AS id, l.organization_id AS tenant_id, l.cleverreach_group_id AS external_id,
       l.list_name AS name, l.description AS short_description,
       l.cleverreach_member_count AS remote_member_count,
       strftime('%Y-%m-%d %H:%M:%f', l.cleverreach_deleted_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS remote_deleted_at
FROM marketing_list l
JOIN organization o ON o.organization_id = l.organization_id
WHERE l.organization_id = :tenant_id AND l.cleverreach_group_id IS NOT NULL
  AND (:list_id IS NULL OR l.list_id = :list_id)
ORDER BY l.list_id;
