-- Every member of one list with what tells whether a changes-only sync must read it: its state, when it
-- was last synced, when its contact last changed (as sync_select_members maps them).
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
SELECT m.contact_id AS contact_person_id,
       CASE m.sync_status
           WHEN 'queued' THEN 'pending'
           WHEN 'in_sync' THEN 'synced'
           WHEN 'awaiting_opt_in' THEN 'unconfirmed'
           WHEN 'refused' THEN 'rejected'
           WHEN 'opted_out' THEN 'unsubscribed'
           WHEN 'undeliverable' THEN 'bounced'
       END AS sync_state,
       (m.last_synced_on AT TIME ZONE o.time_zone) AS synced_at,
       (c.modified_on AT TIME ZONE o.time_zone) AS changed_at
FROM marketing_list_member m
JOIN contact c ON c.contact_id = m.contact_id AND c.organization_id = :tenant_id
JOIN organization o ON o.organization_id = c.organization_id
WHERE m.list_id = :list_id;
