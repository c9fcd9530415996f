-- A list's name and short description per language (the "Sprachen" tab).
SELECT language, name, short_description, changed_at, changed_by
FROM recipient_list_translation
WHERE list_id = :list_id
ORDER BY language;
