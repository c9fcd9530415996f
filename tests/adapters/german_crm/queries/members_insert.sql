-- Add persons of the tenant to a list as "offen" (pending); an existing member row stays as it is.
INSERT INTO verteiler_mitglied (verteiler_id, ansprechpartner_id, aufgenommen_am, aufgenommen_von, status)
SELECT :list_id, p.ansprechpartner_id, :now, :actor, 'offen'
FROM ansprechpartner p
WHERE p.mandant_nr = :tenant_id AND p.ansprechpartner_id IN :contact_ids
ON CONFLICT (verteiler_id, ansprechpartner_id) DO NOTHING;
