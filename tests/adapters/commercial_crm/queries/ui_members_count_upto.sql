-- How many members a list has in the given states, counted only up to a cap.
SELECT count(*) AS n FROM (
    SELECT 1
    FROM marketing_list_member
    WHERE list_id = :list_id
      AND CASE sync_status
              WHEN 'queued' THEN 'pending'
              WHEN 'in_sync' THEN 'synced'
              WHEN 'awaiting_opt_in' THEN 'unconfirmed'
              WHEN 'refused' THEN 'rejected'
              WHEN 'opted_out' THEN 'unsubscribed'
              WHEN 'undeliverable' THEN 'bounced'
          END IN :states
    LIMIT :cap
) AS s;
