-- Remove persons (contact_ids is an expanding list, sent in chunks) from a list in the CRM; the next
-- sync removes them from the CleverReach group.
DELETE FROM recipient_list_member
WHERE list_id = :list_id AND contact_person_id IN :contact_ids;
