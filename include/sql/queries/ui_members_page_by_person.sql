-- One page of a list's members for the CleverReach page, in an order of the person (name, function,
-- e-mail), for a list (or state) with many members: the walk follows the tenant's contact_person
-- index of the order (migration 0015), looks each contact up in the list and stops after one page
-- (CROSS JOIN keeps SQLite's loop on the contacts; PostgreSQL plans it as the inner join it is).
-- Same columns as ui_members_page; the store appends the state filter, keyset condition, ORDER BY, LIMIT.
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at, p.changed_at
FROM contact_person p
CROSS JOIN recipient_list_member m
WHERE m.contact_person_id = p.id AND m.list_id = :list_id AND p.tenant_id = :tenant_id
