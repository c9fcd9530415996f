-- The tenant's contact persons with their primary e-mail (the only address the integration ever sent),
-- to find the ones an erasure request names. A person without a primary address comes with NULL.
SELECT p.ansprechpartner_id AS id, e.email
FROM ansprechpartner p
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
WHERE p.mandant_nr = :tenant_id;
