-- One page of a list's members for the CleverReach page, in an order of the membership (contact id,
-- state, added), for a list (or state) with many members: the walk follows recipient_list_member's
-- index of the order and stops after one page (CROSS JOIN keeps SQLite's loop on the members;
-- PostgreSQL plans it as the inner join it is). The store appends the state filter, the keyset
-- condition (cleverreach.ui.keyset), ORDER BY and LIMIT.
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at, p.changed_at
FROM recipient_list_member m
CROSS JOIN contact_person p
WHERE p.id = m.contact_person_id AND m.list_id = :list_id AND p.tenant_id = :tenant_id
