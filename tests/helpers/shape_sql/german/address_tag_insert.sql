INSERT INTO adresse_schlagwort (adress_nr, schlagwort_id)
SELECT :address_id, schlagwort_id FROM schlagwort WHERE mandant_nr = :tenant_id AND bezeichnung = :tag;
