-- An unsubscribe or bounce seen in a report, on the member (stored in the CRM's words). An opt-out outranks a
-- bounce; neither is downgraded here.
UPDATE marketing_list_member
SET sync_status = CASE :sync_state
                      WHEN 'pending' THEN 'queued'
                      WHEN 'synced' THEN 'in_sync'
                      WHEN 'unconfirmed' THEN 'awaiting_opt_in'
                      WHEN 'rejected' THEN 'refused'
                      WHEN 'unsubscribed' THEN 'opted_out'
                      WHEN 'bounced' THEN 'undeliverable'
                  END,
    sync_message = :reason
WHERE list_id = :list_id
  AND contact_id = :contact_person_id
  AND sync_status <> 'opted_out'
  AND sync_status <> CASE :sync_state
                         WHEN 'pending' THEN 'queued'
                         WHEN 'synced' THEN 'in_sync'
                         WHEN 'unconfirmed' THEN 'awaiting_opt_in'
                         WHEN 'rejected' THEN 'refused'
                         WHEN 'unsubscribed' THEN 'opted_out'
                         WHEN 'bounced' THEN 'undeliverable'
                     END;
