-- The tenant's own spellings of key words, categories and sales processes (its lookup tables).
SELECT 'tag' AS kind, s.bezeichnung AS value
FROM schlagwort s
WHERE s.mandant_nr = :tenant_id
UNION
SELECT 'category' AS kind, k.bezeichnung AS value
FROM adresskategorie k
WHERE k.mandant_nr = :tenant_id
UNION
SELECT 'sales_process' AS kind, v.prozess AS value
FROM vertriebsvorgang v
JOIN adresse a ON a.adress_nr = v.adress_nr
WHERE a.mandant_nr = :tenant_id;
