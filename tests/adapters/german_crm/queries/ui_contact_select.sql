-- One contact person of the tenant with the primary e-mail and the company's two name lines.
SELECT p.ansprechpartner_id AS id, p.anrede AS salutation, p.vorname AS first_name, p.nachname AS last_name,
       p.position AS function, e.email,
       CASE WHEN a.name2 IS NULL OR a.name2 = '' THEN a.name1 ELSE a.name1 || ' ' || a.name2 END AS address_name
FROM ansprechpartner p
LEFT JOIN adresse a ON a.adress_nr = p.adress_nr
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
WHERE p.ansprechpartner_id = :contact_id AND p.mandant_nr = :tenant_id;
