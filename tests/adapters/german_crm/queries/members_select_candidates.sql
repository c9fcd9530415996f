-- Contact persons of one tenant that the dialog's filters select (see the shipped adapter for the flags
-- and the LIKE pre-filter). The company's name is its two name lines; the category and the key words are
-- the tenant's lookup values; deleted or anonymised persons are never offered.
SELECT p.ansprechpartner_id AS contact_person_id,
       p.adress_nr AS address_id,
       e.email,
       CASE WHEN a.name2 IS NULL OR a.name2 = '' THEN a.name1 ELSE a.name1 || ' ' || a.name2 END AS name,
       a.suchbegriff AS matchcode,
       a.ort AS city
FROM ansprechpartner p
LEFT JOIN adresse a ON a.adress_nr = p.adress_nr AND a.mandant_nr = p.mandant_nr
LEFT JOIN adresskategorie k ON k.kategorie_id = a.kategorie_id
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
WHERE p.mandant_nr = :tenant_id
  AND p.geloescht_am IS NULL
  AND (NOT :by_address OR a.adress_nr IS NOT NULL)
  AND (NOT :by_address_ids OR a.adress_nr IN :address_ids)
  AND (NOT :by_contact_ids OR p.ansprechpartner_id IN :contact_ids)
  AND (NOT :by_category OR k.bezeichnung IN :categories)
  AND (NOT :by_tag OR EXISTS (
        SELECT 1 FROM adresse_schlagwort x JOIN schlagwort s ON s.schlagwort_id = x.schlagwort_id
        WHERE x.adress_nr = a.adress_nr AND s.bezeichnung IN :tags))
  AND (NOT :by_sales_process OR EXISTS (
        SELECT 1 FROM vertriebsvorgang v WHERE v.adress_nr = a.adress_nr AND v.prozess IN :sales_processes))
  AND (CAST(:search AS text) IS NULL
       OR lower(a.name1) LIKE :search ESCAPE '\'
       OR lower(a.name2) LIKE :search ESCAPE '\'
       OR lower(a.suchbegriff) LIKE :search ESCAPE '\'
       OR lower(a.ort) LIKE :search ESCAPE '\')
ORDER BY p.ansprechpartner_id;
