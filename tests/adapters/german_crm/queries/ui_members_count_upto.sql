-- How many members a list has in the given states, counted only up to a cap.
SELECT count(*) AS n FROM (
    SELECT 1
    FROM verteiler_mitglied
    WHERE verteiler_id = :list_id
      AND CASE status
              WHEN 'offen' THEN 'pending'
              WHEN 'synchronisiert' THEN 'synced'
              WHEN 'unbestätigt' THEN 'unconfirmed'
              WHEN 'abgelehnt' THEN 'rejected'
              WHEN 'abgemeldet' THEN 'unsubscribed'
              WHEN 'unzustellbar' THEN 'bounced'
          END IN :states
    LIMIT :cap
) AS s;
