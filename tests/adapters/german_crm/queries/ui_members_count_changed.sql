-- How many synchronised members of a list have a contact that changed after their last sync: the person
-- itself, or its primary e-mail address (the page shows them as pending).
SELECT count(*) AS n
FROM verteiler_mitglied m
JOIN ansprechpartner p ON p.ansprechpartner_id = m.ansprechpartner_id
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
WHERE m.verteiler_id = :list_id AND m.status = 'synchronisiert' AND p.mandant_nr = :tenant_id
  AND ((p.geaendert_am IS NOT NULL AND (m.abgeglichen_am IS NULL OR p.geaendert_am > m.abgeglichen_am))
       OR (e.geaendert_am IS NOT NULL AND (m.abgeglichen_am IS NULL OR e.geaendert_am > m.abgeglichen_am)));
