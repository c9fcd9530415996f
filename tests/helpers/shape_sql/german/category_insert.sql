INSERT INTO adresskategorie (mandant_nr, bezeichnung) VALUES (:tenant_id, :category)
ON CONFLICT (mandant_nr, bezeichnung) DO NOTHING;
