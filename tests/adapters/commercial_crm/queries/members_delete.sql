-- Remove contacts from a list; the next sync removes them from the CleverReach group.
DELETE FROM marketing_list_member
WHERE list_id = :list_id AND contact_id IN :contact_ids;
