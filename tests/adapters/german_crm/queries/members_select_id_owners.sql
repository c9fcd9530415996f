-- The tenant of each company ("Adresse") and contact person id named; ids missing here do not exist.
SELECT 'address' AS kind, adress_nr AS id, mandant_nr AS tenant_id
FROM adresse
WHERE adress_nr IN :address_ids
UNION ALL
SELECT 'contact' AS kind, ansprechpartner_id AS id, mandant_nr AS tenant_id
FROM ansprechpartner
WHERE ansprechpartner_id IN :contact_ids;
