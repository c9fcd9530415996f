-- One page of a list's members for the CleverReach page, for a list (or state) with many members:
-- the planner walks the index of the sort key (recipient_list_member's for contact, state and added;
-- contact_person's for person, function and e-mail, migration 0015) and stops after one page. The
-- store appends the state filter, the keyset condition (cleverreach.ui.keyset), ORDER BY and LIMIT.
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at
FROM recipient_list_member m
JOIN contact_person p ON p.id = m.contact_person_id
WHERE m.list_id = :list_id AND p.tenant_id = :tenant_id
