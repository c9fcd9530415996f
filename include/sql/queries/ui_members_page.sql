-- One page of a list's members for the CleverReach page. The store appends the ORDER BY (one of a
-- fixed set of sort keys, each ending in the contact id so that pages never overlap) and
-- LIMIT/OFFSET. The state filter and the default order use the indexes on recipient_list_member.
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at
FROM recipient_list_member m
JOIN contact_person p ON p.id = m.contact_person_id
WHERE m.list_id = :list_id AND (:state IS NULL OR m.sync_state = :state)
