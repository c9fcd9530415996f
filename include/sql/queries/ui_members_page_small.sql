-- One page of a list's members when the list (or the state filter) holds few of them: the members are
-- read first (MATERIALIZED keeps the planner from walking a whole tenant's contacts in sort order to
-- find them) and sorted in memory. Same columns as ui_members_page; the store appends the keyset
-- condition, ORDER BY and LIMIT.
WITH m AS MATERIALIZED (
    SELECT contact_person_id, sync_state, sync_error, added_at, synced_at
    FROM recipient_list_member
    WHERE list_id = :list_id AND sync_state IN :states
)
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at, p.changed_at
FROM m
JOIN contact_person p ON p.id = m.contact_person_id
WHERE p.tenant_id = :tenant_id
