-- Who is on the list now (any status), read inside the write transaction.
SELECT contact_id AS contact_person_id
FROM marketing_list_member
WHERE list_id = :list_id;
