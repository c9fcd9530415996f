-- Members of a list per status (an index-only scan of marketing_list_member_status_idx), in the integration's
-- words.
SELECT CASE sync_status
           WHEN 'queued' THEN 'pending'
           WHEN 'in_sync' THEN 'synced'
           WHEN 'awaiting_opt_in' THEN 'unconfirmed'
           WHEN 'refused' THEN 'rejected'
           WHEN 'opted_out' THEN 'unsubscribed'
           WHEN 'undeliverable' THEN 'bounced'
       END AS sync_state,
       count(*) AS n
FROM marketing_list_member
WHERE list_id = :list_id
GROUP BY sync_status;
