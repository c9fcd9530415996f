-- The contact ids of a list's members in one state; the state is mapped to the stored word, so that the status
-- index serves the filter.
SELECT contact_id AS contact_person_id
FROM marketing_list_member
WHERE list_id = :list_id
  AND sync_status = CASE :state
                        WHEN 'pending' THEN 'queued'
                        WHEN 'synced' THEN 'in_sync'
                        WHEN 'unconfirmed' THEN 'awaiting_opt_in'
                        WHEN 'rejected' THEN 'refused'
                        WHEN 'unsubscribed' THEN 'opted_out'
                        WHEN 'bounced' THEN 'undeliverable'
                    END
ORDER BY contact_id;
