-- The contact ids of a list's members in one state; the state is mapped to the stored word, so that the
-- status index serves the filter.
SELECT ansprechpartner_id AS contact_person_id
FROM verteiler_mitglied
WHERE verteiler_id = :list_id
  AND status = CASE :state
                   WHEN 'pending' THEN 'offen'
                   WHEN 'synced' THEN 'synchronisiert'
                   WHEN 'unconfirmed' THEN 'unbestätigt'
                   WHEN 'rejected' THEN 'abgelehnt'
                   WHEN 'unsubscribed' THEN 'abgemeldet'
                   WHEN 'bounced' THEN 'unzustellbar'
               END
ORDER BY ansprechpartner_id;
