-- One page of a list's members in an order of the membership. The store appends conditions and the
-- order on the demo's names (m.sync_state, m.added_at, m.contact_person_id; p.id, p.last_name, ...), so the
-- members (m) and the persons (p) are derived tables that carry those names; PostgreSQL and SQLite fold
-- them into the join. The store appends the state filter, the keyset condition, ORDER BY and LIMIT.
SELECT m.contact_person_id, p.salutation, p.first_name, p.last_name, p.function, p.email,
       m.sync_state, m.sync_error, m.added_at, m.synced_at, p.changed_at
FROM (
    SELECT verteiler_id AS list_id, ansprechpartner_id AS contact_person_id,
           CASE status
               WHEN 'offen' THEN 'pending'
               WHEN 'synchronisiert' THEN 'synced'
               WHEN 'unbestätigt' THEN 'unconfirmed'
               WHEN 'abgelehnt' THEN 'rejected'
               WHEN 'abgemeldet' THEN 'unsubscribed'
               WHEN 'unzustellbar' THEN 'bounced'
           END AS sync_state,
           fehlertext AS sync_error, aufgenommen_am AS added_at, abgeglichen_am AS synced_at
    FROM verteiler_mitglied
) AS m
CROSS JOIN (
    SELECT a.ansprechpartner_id AS id, a.mandant_nr AS tenant_id, a.anrede AS salutation, a.vorname AS first_name,
           a.nachname AS last_name, a.position AS function, e.email,
           CASE WHEN e.geaendert_am IS NULL OR a.geaendert_am >= e.geaendert_am THEN a.geaendert_am
                ELSE e.geaendert_am END AS changed_at
    FROM ansprechpartner a
    LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = a.ansprechpartner_id AND e.ist_primaer
) AS p
WHERE p.id = m.contact_person_id AND m.list_id = :list_id AND p.tenant_id = :tenant_id
