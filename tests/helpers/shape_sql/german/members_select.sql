SELECT ansprechpartner_id AS contact_id, status AS state, fehlertext AS error, aufgenommen_von AS added_by,
       abgeglichen_am AS synced_at
FROM verteiler_mitglied WHERE verteiler_id = :list_id ORDER BY ansprechpartner_id;
