-- A list's name and description per language, from the list's translation table.
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
SELECT t.language_code AS language, t.list_name AS name, t.description AS short_description,
       strftime('%Y-%m-%d %H:%M:%f', t.modified_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS changed_at,
       t.modified_by AS changed_by
FROM marketing_list_translation t
JOIN marketing_list l ON l.list_id = t.list_id
JOIN organization o ON o.organization_id = l.organization_id
WHERE t.list_id = :list_id
ORDER BY t.language_code;
