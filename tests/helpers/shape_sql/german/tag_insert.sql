INSERT INTO schlagwort (mandant_nr, bezeichnung) VALUES (:tenant_id, :tag)
ON CONFLICT (mandant_nr, bezeichnung) DO NOTHING;
