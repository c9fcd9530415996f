INSERT INTO recipient_list_translation (list_id, language, name, short_description, changed_at, changed_by)
VALUES (:list_id, :language, :name, :short_description, :now, :actor)
ON CONFLICT (list_id, language) DO UPDATE
SET name = excluded.name, short_description = excluded.short_description,
    changed_at = excluded.changed_at, changed_by = excluded.changed_by;
