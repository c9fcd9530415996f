-- Every member of one list with what tells whether a changes-only sync must read it: its state, when it
-- was last synced, when its contact last changed (as sync_select_members maps them).
SELECT m.ansprechpartner_id AS contact_person_id,
       CASE m.status
           WHEN 'offen' THEN 'pending'
           WHEN 'synchronisiert' THEN 'synced'
           WHEN 'unbestätigt' THEN 'unconfirmed'
           WHEN 'abgelehnt' THEN 'rejected'
           WHEN 'abgemeldet' THEN 'unsubscribed'
           WHEN 'unzustellbar' THEN 'bounced'
       END AS sync_state,
       m.abgeglichen_am AS synced_at,
       CASE WHEN e.geaendert_am IS NULL OR p.geaendert_am >= e.geaendert_am THEN p.geaendert_am
            ELSE e.geaendert_am END AS changed_at
FROM verteiler_mitglied m
JOIN ansprechpartner p ON p.ansprechpartner_id = m.ansprechpartner_id AND p.mandant_nr = :tenant_id
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
WHERE m.verteiler_id = :list_id;
