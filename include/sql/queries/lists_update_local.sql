-- The local name and short description of a list (edited on the CleverReach page; the import keeps them).
UPDATE recipient_list
SET name = :name, short_description = :short_description, changed_at = :now, changed_by = :actor
WHERE id = :list_id AND tenant_id = :tenant_id;
