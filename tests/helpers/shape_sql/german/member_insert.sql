INSERT INTO verteiler_mitglied (verteiler_id, ansprechpartner_id, aufgenommen_am, status)
VALUES (:list_id, :contact_id, :now, :state);
