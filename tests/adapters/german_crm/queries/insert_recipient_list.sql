-- First import of a group as a distribution list; the unique (mandant_nr, cr_gruppen_id) keeps a repeated
-- import from creating a second one or overwriting a local rename.
INSERT INTO verteiler
    (mandant_nr, cr_gruppen_id, bezeichnung, kurzbeschreibung, cr_anzahl, importiert_am, angelegt_am, angelegt_von)
VALUES
    (:tenant_id, :external_id, :name, :short_description, :remote_member_count, :now, :now, :actor)
ON CONFLICT (mandant_nr, cr_gruppen_id) DO NOTHING;
