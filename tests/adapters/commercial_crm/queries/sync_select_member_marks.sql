-- Every member of one list with what tells whether a changes-only sync must read it: its state, when it
-- was last synced, when its contact last changed (as sync_select_members maps them).
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
SELECT m.contact_id AS contact_person_id,
       CASE m.sync_status
           WHEN 'queued' THEN 'pending'
           WHEN 'in_sync' THEN 'synced'
           WHEN 'awaiting_opt_in' THEN 'unconfirmed'
           WHEN 'refused' THEN 'rejected'
           WHEN 'opted_out' THEN 'unsubscribed'
           WHEN 'undeliverable' THEN 'bounced'
       END AS sync_state,
       strftime('%Y-%m-%d %H:%M:%f', m.last_synced_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS synced_at,
       strftime('%Y-%m-%d %H:%M:%f', c.modified_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS changed_at
FROM marketing_list_member m
JOIN contact c ON c.contact_id = m.contact_id AND c.organization_id = :tenant_id
JOIN organization o ON o.organization_id = c.organization_id
WHERE m.list_id = :list_id;
