-- Who is on the list now (any sync_state), read inside the write transaction.
SELECT contact_person_id
FROM recipient_list_member
WHERE list_id = :list_id;
