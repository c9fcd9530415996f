INSERT INTO ansprechpartner_email (ansprechpartner_id, email, art, ist_primaer, geaendert_am)
VALUES (:contact_id, :email, :kind, :primary, :now);
