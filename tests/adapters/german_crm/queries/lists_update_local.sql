-- The local name and short description of a list (the import keeps them).
UPDATE verteiler
SET bezeichnung = :name, kurzbeschreibung = :short_description, geaendert_am = :now, geaendert_von = :actor
WHERE verteiler_id = :list_id AND mandant_nr = :tenant_id;
