-- The desired state of the members named, as sync_select_members reads a whole list's (a changes-only
-- sync). As there:
-- The desired state of one list: its members with the contact data that travels to CleverReach. The state
-- is stored in German and mapped here; the e-mail is the primary address (none: the member is rejected);
-- the company is the two name lines; "no marketing" is the person's or the company's Werbesperre; the
-- change time is the later of the person's and its primary address's.
SELECT m.ansprechpartner_id AS contact_person_id,
       CASE m.status
           WHEN 'offen' THEN 'pending'
           WHEN 'synchronisiert' THEN 'synced'
           WHEN 'unbestätigt' THEN 'unconfirmed'
           WHEN 'abgelehnt' THEN 'rejected'
           WHEN 'abgemeldet' THEN 'unsubscribed'
           WHEN 'unzustellbar' THEN 'bounced'
       END AS sync_state,
       m.fehlertext AS sync_error,
       m.abgeglichen_am AS synced_at,
       e.email,
       p.anrede AS salutation,
       p.vorname AS first_name,
       p.nachname AS last_name,
       p.position AS function,
       CASE WHEN a.name2 IS NULL OR a.name2 = '' THEN a.name1 ELSE a.name1 || ' ' || a.name2 END AS company,
       (p.werbesperre OR COALESCE(a.werbesperre, false)) AS no_marketing,
       p.geloescht_am AS deleted_at,
       CASE WHEN e.geaendert_am IS NULL OR p.geaendert_am >= e.geaendert_am THEN p.geaendert_am
            ELSE e.geaendert_am END AS changed_at
FROM verteiler_mitglied m
JOIN ansprechpartner p ON p.ansprechpartner_id = m.ansprechpartner_id AND p.mandant_nr = :tenant_id
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
LEFT JOIN adresse a ON a.adress_nr = p.adress_nr
WHERE m.verteiler_id = :list_id AND m.ansprechpartner_id IN :contact_ids;
