-- Members of a list per state (an index-only scan of verteiler_mitglied_status_idx), in the integration's words.
SELECT CASE status
           WHEN 'offen' THEN 'pending'
           WHEN 'synchronisiert' THEN 'synced'
           WHEN 'unbestätigt' THEN 'unconfirmed'
           WHEN 'abgelehnt' THEN 'rejected'
           WHEN 'abgemeldet' THEN 'unsubscribed'
           WHEN 'unzustellbar' THEN 'bounced'
       END AS sync_state,
       count(*) AS n
FROM verteiler_mitglied
WHERE verteiler_id = :list_id
GROUP BY status;
