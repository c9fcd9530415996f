-- Who is on the list now (any state), read inside the write transaction.
SELECT ansprechpartner_id AS contact_person_id
FROM verteiler_mitglied
WHERE verteiler_id = :list_id;
