-- An unsubscribe or bounce seen in a report, on the member (stored in German). An unsubscribe
-- ("abgemeldet") outranks a bounce; neither is downgraded here.
UPDATE verteiler_mitglied
SET status = CASE :sync_state
                 WHEN 'pending' THEN 'offen'
                 WHEN 'synced' THEN 'synchronisiert'
                 WHEN 'unconfirmed' THEN 'unbestätigt'
                 WHEN 'rejected' THEN 'abgelehnt'
                 WHEN 'unsubscribed' THEN 'abgemeldet'
                 WHEN 'bounced' THEN 'unzustellbar'
             END,
    fehlertext = :reason
WHERE verteiler_id = :list_id
  AND ansprechpartner_id = :contact_person_id
  AND status <> 'abgemeldet'
  AND status <> CASE :sync_state
                    WHEN 'pending' THEN 'offen'
                    WHEN 'synced' THEN 'synchronisiert'
                    WHEN 'unconfirmed' THEN 'unbestätigt'
                    WHEN 'rejected' THEN 'abgelehnt'
                    WHEN 'unsubscribed' THEN 'abgemeldet'
                    WHEN 'bounced' THEN 'unzustellbar'
                END;
