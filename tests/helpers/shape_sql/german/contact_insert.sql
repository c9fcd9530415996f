INSERT INTO ansprechpartner (ansprechpartner_id, mandant_nr, adress_nr, anrede, vorname, nachname, position,
                             geaendert_am)
VALUES (:id, :tenant_id, :address_id, :salutation, :first_name, :last_name, :function, :now);
