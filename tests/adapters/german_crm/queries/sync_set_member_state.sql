-- The sync's result for many members; the state arrives in the integration's words and is stored in German.
UPDATE verteiler_mitglied
SET status = CASE :sync_state
                 WHEN 'pending' THEN 'offen'
                 WHEN 'synced' THEN 'synchronisiert'
                 WHEN 'unconfirmed' THEN 'unbestätigt'
                 WHEN 'rejected' THEN 'abgelehnt'
                 WHEN 'unsubscribed' THEN 'abgemeldet'
                 WHEN 'bounced' THEN 'unzustellbar'
             END,
    abgeglichen_am = :synced_at,
    fehlertext = :sync_error
WHERE verteiler_id = :list_id AND ansprechpartner_id IN :contact_ids;
