-- Contact persons that may not be marketed to: their own "Werbesperre" or their company's, or deleted or
-- anonymised (geloescht_am).
SELECT p.ansprechpartner_id AS contact_person_id,
       (p.werbesperre OR COALESCE(a.werbesperre, false)) AS no_marketing,
       p.geloescht_am AS deleted_at
FROM ansprechpartner p
LEFT JOIN adresse a ON a.adress_nr = p.adress_nr
WHERE p.mandant_nr = :tenant_id
  AND (p.werbesperre OR COALESCE(a.werbesperre, false) OR p.geloescht_am IS NOT NULL)
ORDER BY p.ansprechpartner_id;
