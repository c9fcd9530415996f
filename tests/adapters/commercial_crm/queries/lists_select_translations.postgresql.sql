-- A list's name and description per language, from the list's translation table.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
SELECT t.language_code AS language, t.list_name AS name, t.description AS short_description,
       (t.modified_on AT TIME ZONE o.time_zone) AS changed_at,
       t.modified_by AS changed_by
FROM marketing_list_translation t
JOIN marketing_list l ON l.list_id = t.list_id
JOIN organization o ON o.organization_id = l.organization_id
WHERE t.list_id = :list_id
ORDER BY t.language_code;
