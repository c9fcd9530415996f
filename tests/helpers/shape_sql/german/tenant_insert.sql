INSERT INTO mandant_stamm (mandant_nr, bezeichnung, cr_verbindung, gesperrt, angelegt_am)
VALUES (:id, :name, :cleverreach_conn_id, NOT :active, :now);
