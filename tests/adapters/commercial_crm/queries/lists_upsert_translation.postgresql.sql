-- A list's name and description in one language.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
INSERT INTO marketing_list_translation (list_id, language_code, list_name, description, modified_on, modified_by)
SELECT l.list_id, :language, :name, :short_description,
       (CAST(:now AS timestamptz) AT TIME ZONE o.time_zone),
       :actor
FROM marketing_list l
JOIN organization o ON o.organization_id = l.organization_id
WHERE l.list_id = :list_id
ON CONFLICT (list_id, language_code) DO UPDATE
SET list_name = excluded.list_name, description = excluded.description, modified_on = excluded.modified_on,
    modified_by = excluded.modified_by;
