-- The sync's result for one member; the state arrives in the integration's words and is stored in the CRM's.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
UPDATE marketing_list_member
SET sync_status = CASE :sync_state
                      WHEN 'pending' THEN 'queued'
                      WHEN 'synced' THEN 'in_sync'
                      WHEN 'unconfirmed' THEN 'awaiting_opt_in'
                      WHEN 'rejected' THEN 'refused'
                      WHEN 'unsubscribed' THEN 'opted_out'
                      WHEN 'bounced' THEN 'undeliverable'
                  END,
    last_synced_on = (CAST(:synced_at AS timestamptz) AT TIME ZONE o.time_zone),
    sync_message = :sync_error
FROM marketing_list l
JOIN organization o ON o.organization_id = l.organization_id
WHERE l.list_id = marketing_list_member.list_id AND marketing_list_member.list_id = :list_id
  AND marketing_list_member.contact_id = :contact_person_id;
