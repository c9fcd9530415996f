-- One page of a list's members in an order of the membership. The store appends conditions and the order on
-- the demo's names (m.sync_state, m.added_at, m.contact_person_id; p.id, p.last_name, ...), so the members (m)
-- and the contacts (p) are derived tables that carry those names, times in UTC; PostgreSQL and SQLite fold
-- them into the join. The store appends the state filter, the keyset condition, ORDER BY and LIMIT.
--
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at, p.changed_at
FROM (
    SELECT mm.list_id, mm.contact_id AS contact_person_id,
           CASE mm.sync_status
               WHEN 'queued' THEN 'pending'
               WHEN 'in_sync' THEN 'synced'
               WHEN 'awaiting_opt_in' THEN 'unconfirmed'
               WHEN 'refused' THEN 'rejected'
               WHEN 'opted_out' THEN 'unsubscribed'
               WHEN 'undeliverable' THEN 'bounced'
           END AS sync_state,
           mm.sync_message AS sync_error,
           (mm.added_on AT TIME ZONE o.time_zone) AS added_at,
           (mm.last_synced_on AT TIME ZONE o.time_zone) AS synced_at
    FROM marketing_list_member mm
    JOIN marketing_list l ON l.list_id = mm.list_id
    JOIN organization o ON o.organization_id = l.organization_id
) AS m
CROSS JOIN (
    SELECT c.contact_id AS id, c.organization_id AS tenant_id, c.salutation, c.first_name, c.last_name,
           c.job_title AS function, c.email_address1 AS email,
           (c.modified_on AT TIME ZONE o.time_zone) AS changed_at
    FROM contact c
    JOIN organization o ON o.organization_id = c.organization_id
) AS p
WHERE p.id = m.contact_person_id AND m.list_id = :list_id AND p.tenant_id = :tenant_id
